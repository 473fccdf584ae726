// The command line: flags, the validate/diagnose sub-commands, and clear refusals of bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseDuration, parseOptions, UsageError } from '../lib/options.ts';

test('no flags: the kind cluster lirmm, the Dagger builder, a 10 minute deadline', () => {
  const options = parseOptions([], {});
  assert.equal(options.command, 'run');
  assert.equal(options.target, { kind: 'kind', cluster: 'lirmm' });
  assert.is(options.builder, 'dagger');
  assert.is(options.timeoutMs, 600_000);
  assert.is(options.namespace, 'lirmm-services');
});

test('CLUSTER_NAME and NAMESPACE from the environment (the Jenkinsfile sets them) are the defaults', () => {
  const options = parseOptions([], { CLUSTER_NAME: 'other', NAMESPACE: 'shop' });
  assert.equal(options.target, { kind: 'kind', cluster: 'other' });
  assert.is(options.namespace, 'shop');
});

test('every flag of the brief is understood', () => {
  const options = parseOptions(
    ['--plan', '--only', 'cart-service,order-service', '--only', 'auth-service', '--skip-build', '--recreate', '--restart',
      '--context', 'ci', '--registry', '127.0.0.1:5000', '--builder', 'docker', '--with-lab', '--timeout', '90s',
      '--istio-dir', '/opt/istio-1.28.0', '--jobs', '3'],
    {},
  );
  assert.equal(options.only, ['cart-service', 'order-service', 'auth-service']);
  assert.ok(options.plan && options.skipBuild && options.recreate && options.restart && options.withLab);
  assert.equal(options.target, { kind: 'registry', registry: '127.0.0.1:5000' });
  assert.is(options.context, 'ci');
  assert.is(options.builder, 'docker');
  assert.is(options.timeoutMs, 90_000);
  assert.is(options.istioDir, '/opt/istio-1.28.0');
  assert.is(options.jobs, 3);
});

test('back-off thresholds of the rollout wait: 3 restarts or 60 s by default, both flags, bad values refused', () => {
  assert.equal(parseOptions([], {}).backoff, { restarts: 3, graceMs: 60_000 });
  assert.equal(parseOptions(['--backoff-restarts', '5', '--backoff-grace', '2m'], {}).backoff, { restarts: 5, graceMs: 120_000 });
  assert.throws(() => parseOptions(['--backoff-restarts', '0'], {}), (error: Error) => error instanceof UsageError && /--backoff-restarts must be a positive integer/.test(error.message));
  assert.throws(() => parseOptions(['--backoff-grace', 'soon'], {}), (error: Error) => error instanceof UsageError && /--backoff-grace: "soon" is not a duration/.test(error.message));
});

test('validate passes the rest of the line to the validator untouched; diagnose is a command', () => {
  const validate = parseOptions(['validate', 'k8s/app-manifests.yaml', '--json'], {});
  assert.is(validate.command, 'validate');
  assert.equal(validate.validateArgs, ['k8s/app-manifests.yaml', '--json']);
  assert.is(parseOptions(['diagnose'], {}).command, 'diagnose');
});

test('bad input is refused with a reason', () => {
  const refusal = (argv: string[]): string => {
    try {
      parseOptions(argv, {});
    } catch (error) {
      assert.instance(error, UsageError);
      return (error as Error).message;
    }
    throw new Error(`accepted ${argv.join(' ')}`);
  };
  assert.match(refusal(['--builder', 'kaniko']), 'dagger or docker');
  assert.match(refusal(['--context', 'prod']), '--registry');
  assert.match(refusal(['--timeout', 'soon']), 'not a duration');
  assert.match(refusal(['--jobs', '0']), 'positive integer');
  assert.match(refusal(['--frobnicate']), 'frobnicate');
  assert.match(refusal(['deploy']), 'unknown command');
});

test('durations: plain seconds, s, m, h, ms', () => {
  assert.is(parseDuration('600'), 600_000);
  assert.is(parseDuration('45s'), 45_000);
  assert.is(parseDuration('2m'), 120_000);
  assert.is(parseDuration('1h'), 3_600_000);
  assert.is(parseDuration('250ms'), 250);
});

test.run();
