// Waiting for rollouts that fail for real: every Deployment here runs on the test environment's real
// node (kubelet + containerd), so crash loops, image pulls, init containers, probes, missing Secrets
// and the scheduler produce the states the wait and diagnose read; nothing writes a pod status.
// The cases run side by side (a namespace each); each prints the time from the start of its wait to
// the printed diagnosis.
import type { V1Container, V1Deployment, V1PodSpec } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { realNode } from '../../packages/testkit/src/real-node.ts';
import { applyObjects } from '../lib/apply.ts';
import type { Kube } from '../lib/kube.ts';
import { formatDuration, Log, memorySink } from '../lib/log.ts';
import { RolloutError, waitForRollouts } from '../lib/rollout.ts';
import { DEFAULT_BACKOFF } from '../lib/workloads.ts';
import { runDiagnose } from '../steps/diagnose.ts';
import { testKube, uniqueName } from './fixtures.ts';

const failures = suite(`rollout wait and diagnose on the real node (back-off policy: ${DEFAULT_BACKOFF.restarts} restarts or ${DEFAULT_BACKOFF.graceMs / 1000}s)`);
const target = testKube();
const node = realNode();
const it = target && node ? failures : failures.skip;
let kube: Kube;
const namespaces: string[] = [];

/** Deadline of every wait that must stop early: far above the policy, so stopping early is the policy's doing. */
const DEADLINE_MS = 180_000;
/** Deadline of the wait for a probe that never passes: nothing else ends that wait. */
const READINESS_DEADLINE_MS = 30_000;
/** A back-off under the time threshold is given up at the grace period, plus the watch's latency. */
const GRACE_BOUND_MS = DEFAULT_BACKOFF.graceMs + 15_000;
/**
 * A crash loop reaches the restart threshold after the kubelet's growing back-offs (10 s, 20 s, ...)
 * and the runs themselves: measured 45-60 s here for 3 restarts; the bound leaves room for a busy machine.
 */
const CRASH_BOUND_MS = 90_000;

interface Outcome {
  namespace: string;
  pod: string;
  error: RolloutError | undefined;
  progress: string[];
  stoppedMs: number;
  diagnosedMs: number;
  diagnosis: string;
}

const app = (name: string, program: string, extra: Partial<V1Container> = {}): V1Container => ({
  name,
  image: node?.baseImage ?? '',
  command: ['node', '-e', program],
  ...extra,
});

function deployment(name: string, namespace: string, spec: V1PodSpec): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: node?.pin({ terminationGracePeriodSeconds: 1, ...spec }) ?? spec },
    },
  };
}

/** Creates the Deployment in a namespace of its own, waits for it, then diagnoses the namespace. */
async function runCase(name: string, spec: V1PodSpec, deadlineMs = DEADLINE_MS): Promise<Outcome> {
  const namespace = uniqueName(`rollout-${name}`);
  namespaces.push(namespace);
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
  await applyObjects(kube, [deployment(name, namespace, spec)]);
  const progress = memorySink();
  const started = Date.now();
  let error: RolloutError | undefined;
  try {
    await waitForRollouts(kube, [{ kind: 'Deployment', namespace, name }], { deadlineMs, log: new Log(progress.sink), backoff: DEFAULT_BACKOFF });
  } catch (caught) {
    if (!(caught instanceof RolloutError)) throw caught;
    error = caught;
  }
  const stoppedMs = Date.now() - started;
  const report = memorySink();
  await runDiagnose(kube, namespace, new Log(report.sink));
  const diagnosedMs = Date.now() - started;
  const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: `app=${name}` });
  const pod = pods.items.find((item) => !item.metadata?.deletionTimestamp)?.metadata?.name ?? '?';
  console.log(`  figure: ${name}: wait ${error ? 'stopped' : 'succeeded'} after ${formatDuration(stoppedMs)}, diagnosis printed after ${formatDuration(diagnosedMs)}`);
  return { namespace, pod, error, progress: progress.lines, stoppedMs, diagnosedMs, diagnosis: report.lines.join('\n') };
}

const cases: Record<string, () => Promise<Outcome>> = {
  // With a readiness probe, as every service has: without one the container counts as Ready for the
  // moment it runs, and a Deployment may be Available before the crash (kubectl rollout status too).
  crash: () =>
    runCase('crash', {
      containers: [
        app('app', "console.log('starting order-service'); console.error('configuration: DATABASE_URL is not set'); process.exit(1);", {
          readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 2 },
        }),
      ],
    }),
  'no-image': () => runCase('no-image', { containers: [{ name: 'app', image: 'shopmesh/does-not-exist:0123456789ab', imagePullPolicy: 'IfNotPresent' }] }),
  'init-fails': () =>
    runCase('init-fails', {
      initContainers: [app('apply-schema', `console.error('migration 0003 failed: relation "users" does not exist'); process.exit(1);`)],
      containers: [app('app', "setInterval(() => {}, 1000);")],
    }),
  unschedulable: () =>
    runCase('unschedulable', { containers: [app('app', 'setInterval(() => {}, 1000);', { resources: { requests: { memory: '4000Gi' } } })] }),
  'missing-secret': () =>
    runCase('missing-secret', {
      containers: [
        app('app', 'setInterval(() => {}, 1000);', {
          env: [{ name: 'JWT_PRIVATE_KEY', valueFrom: { secretKeyRef: { name: 'shopmesh-missing-secret', key: 'private.pem' } } }],
        }),
      ],
    }),
  'never-ready': () =>
    runCase(
      'never-ready',
      {
        containers: [
          app('app', "console.log('serving, but never ready'); require('node:http').createServer((q, r) => { r.statusCode = 503; r.end(); }).listen(8080);", {
            readinessProbe: { httpGet: { path: '/readyz', port: 8080 }, periodSeconds: 2, failureThreshold: 1 },
          }),
        ],
      },
      READINESS_DEADLINE_MS,
    ),
  // Fails twice (a dependency not up yet), then serves: the count survives restarts in an emptyDir.
  'fails-twice': () =>
    runCase('fails-twice', {
      volumes: [{ name: 'state', emptyDir: {} }],
      containers: [
        app(
          'app',
          `const fs = require('node:fs'); const file = '/state/attempts';
           const attempt = (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : 0) + 1;
           fs.writeFileSync(file, String(attempt));
           if (attempt <= 2) { console.error('attempt ' + attempt + ': kafka-svc:9092 not reachable yet'); process.exit(1); }
           console.log('attempt ' + attempt + ': started');
           require('node:http').createServer((q, r) => r.end('ok')).listen(8080);`,
          { volumeMounts: [{ name: 'state', mountPath: '/state' }], readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 } },
        ),
      ],
    }),
};

const outcomes = new Map<string, Promise<Outcome>>();
const outcome = (name: string): Promise<Outcome> => {
  const found = outcomes.get(name);
  if (!found) throw new Error(`no case ${name}`);
  return found;
};

failures.before(async () => {
  if (!target || !node) return;
  kube = target.kube;
  await node.loadImages(node.baseImage);
  // All cases at once: the suite takes as long as the slowest.
  for (const [name, start] of Object.entries(cases)) {
    const running = start();
    running.catch(() => undefined);
    outcomes.set(name, running);
  }
});

failures.after(async () => {
  if (!target) return;
  await Promise.allSettled(namespaces.map((name) => kube.core.deleteNamespace({ name })));
});

/** The wait failed early naming the pod, container and reason; diagnose shows `evidence`. */
function assertStopped(result: Outcome, expect: { container: string; init?: boolean; reason: RegExp; boundMs: number; evidence: (string | RegExp)[] }): void {
  const { error, diagnosis } = result;
  assert.ok(error, `the wait failed (progress: ${result.progress.join(' | ')})`);
  assert.match(error.message, 'stopped waiting early');
  assert.ok(result.stoppedMs < expect.boundMs, `stopped after ${result.stoppedMs} ms, bound ${expect.boundMs} ms`);
  assert.is(error.problems.length, 1, error.message);
  const [problem] = error.problems;
  assert.is(problem?.pod, result.pod);
  assert.is(problem?.container, expect.container);
  assert.is(problem?.init ?? false, expect.init ?? false);
  assert.match(problem?.reason ?? '', expect.reason);
  assert.match(error.message, result.pod);
  assert.match(diagnosis, `--- pod ${result.pod}`);
  if (expect.container) assert.match(diagnosis, `${expect.init ? 'init container' : 'container'} ${expect.container}:`);
  for (const evidence of expect.evidence) assert.match(diagnosis, evidence);
}

it('a container that crashes at start: the wait stops at the restart threshold; diagnose shows its real last log lines', async () => {
  const result = await outcome('crash');
  assertStopped(result, { container: 'app', reason: /^CrashLoopBackOff$/, boundMs: CRASH_BOUND_MS, evidence: ['CrashLoopBackOff', '| configuration: DATABASE_URL is not set', '| starting order-service', 'last terminated: exit 1 (Error)'] });
  assert.ok((result.error?.problems[0]?.restarts ?? 0) >= DEFAULT_BACKOFF.restarts);
});

it('an image that does not exist: the wait stops after the grace period; diagnose shows the pull failure events', async () => {
  const result = await outcome('no-image');
  assertStopped(result, { container: 'app', reason: /^(ErrImagePull|ImagePullBackOff)$/, boundMs: GRACE_BOUND_MS, evidence: [/ImagePullBackOff|ErrImagePull/, /Warning Failed.*shopmesh\/does-not-exist:0123456789ab/] });
  assert.ok(result.stoppedMs >= DEFAULT_BACKOFF.graceMs - 1000, `not before the grace period: ${result.stoppedMs} ms`);
  // The message names the image and what to do about it.
  assert.match(result.error?.message ?? '', 'the node has no image shopmesh/does-not-exist:0123456789ab and cannot pull it');
  assert.match(result.error?.message ?? '', 'kind load docker-image shopmesh/does-not-exist:0123456789ab');
});

it('an init container that fails: the wait stops at the restart threshold; diagnose shows the init container’s log', async () => {
  const result = await outcome('init-fails');
  assertStopped(result, { container: 'apply-schema', init: true, reason: /CrashLoopBackOff|init container failed \(exit 1/, boundMs: CRASH_BOUND_MS, evidence: [/Init:(CrashLoopBackOff|Error)/, '| migration 0003 failed: relation "users" does not exist'] });
  assert.not.match(result.diagnosis, /container app:\n\s+running/, 'the main container never ran');
});

it('a pod no node can take (requests larger than the node): the wait stops after the grace period; diagnose shows the scheduler’s event', async () => {
  const result = await outcome('unschedulable');
  assertStopped(result, { container: '', reason: /^Unschedulable$/, boundMs: GRACE_BOUND_MS, evidence: [`--- pod ${result.pod}: Pending`, 'FailedScheduling', 'Insufficient memory'] });
});

it('a reference to a missing Secret: the wait stops after the grace period; diagnose names the Secret', async () => {
  const result = await outcome('missing-secret');
  assertStopped(result, { container: 'app', reason: /^CreateContainerConfigError$/, boundMs: GRACE_BOUND_MS, evidence: ['CreateContainerConfigError', 'secret "shopmesh-missing-secret" not found'] });
});

it('a readiness probe that never passes: the wait stops at its deadline; diagnose shows the probe failures and the container’s log', async () => {
  const result = await outcome('never-ready');
  const { error, diagnosis } = result;
  assert.ok(error, 'the wait failed');
  assert.match(error.message, `not rolled out after ${formatDuration(READINESS_DEADLINE_MS)}`);
  assert.ok(result.stoppedMs >= READINESS_DEADLINE_MS - 500 && result.stoppedMs < READINESS_DEADLINE_MS + 10_000, `stopped after ${result.stoppedMs} ms`);
  assert.match(diagnosis, `--- pod ${result.pod}: Running`);
  assert.match(diagnosis, /Readiness probe failed: HTTP probe failed with statuscode: 503/);
  assert.match(diagnosis, '| serving, but never ready');
  assert.match(diagnosis, 'never-ready: 0 of 1 updated replicas are available');
});

it('a container that fails twice and then starts does not fail the rollout', async () => {
  const result = await outcome('fails-twice');
  assert.is(result.error, undefined, result.error?.message);
  const pod = await kube.core.readNamespacedPod({ namespace: result.namespace, name: result.pod });
  assert.is(pod.status?.containerStatuses?.[0]?.restartCount, 2, 'it did fail twice');
  assert.ok(result.progress.some((line) => line.includes('CrashLoopBackOff')), `the back-off was seen and waited out: ${result.progress.join(' | ')}`);
  assert.ok(result.progress.some((line) => line.includes('rolled out')));
});

it('an old revision still crashing does not stop the wait while the new revision rolls out', async () => {
  const namespace = uniqueName('rollout-fixed');
  namespaces.push(namespace);
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
  await applyObjects(kube, [deployment('fixed', namespace, { containers: [app('app', "console.error('broken build'); process.exit(1);")] })]);
  // The broken revision is in its crash loop before the fix arrives.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: 'app=fixed' });
    if (pods.items.some((pod) => (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1)) break;
    assert.ok(Date.now() < deadline, 'the broken revision restarted within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await applyObjects(kube, [deployment('fixed', namespace, { containers: [app('app', "require('node:http').createServer((q, r) => r.end('ok')).listen(8080);")] })]);
  await waitForRollouts(kube, [{ kind: 'Deployment', namespace, name: 'fixed' }], { deadlineMs: 90_000, log: new Log(() => undefined), backoff: { restarts: 1, graceMs: 5_000 } });
  const current = await kube.apps.readNamespacedDeployment({ name: 'fixed', namespace });
  assert.ok((current.status?.availableReplicas ?? 0) >= 1);
});

failures.run();
