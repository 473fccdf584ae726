// The whole pipeline as a user runs it (a child process of ci/pipeline.ts), on a copy of this
// repository whose manifests use a namespace of their own:
//   - a manifest error stops the run at validate, before any cluster call;
//   - end to end with --builder docker (real Docker engine) --context <test API server> --registry
//     <real registry on loopback>: real builds and pushes, real server-side applies and rollouts on
//     kwok nodes (no container runs); istioctl is a recording stand-in on PATH (no Istio data plane
//     here, so no smoke requests: --skip-smoke). Then a no-op rerun, and a one-file change.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { registryHasImage } from '../lib/registry.ts';
import { removeTree, uniqueName } from './fixtures.ts';
import { standInCalls, unexpectedCalls } from './strict-stand-in.ts';
import { endToEndAvailable, repositoryCopy, runPipeline, standIns, startEndToEnd, summaryRow } from './pipeline-harness.ts';

const pipeline = suite('pipeline end to end');

pipeline('stand-ins kind, istioctl, docker (strict): a manifest error stops the run at validate: no cluster call, no build, exit 1', async () => {
  const namespace = uniqueName('shopmesh-e2e-invalid');
  const root = repositoryCopy(namespace);
  const tools = standIns();
  try {
    const path = join(root, 'k8s/app-manifests.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('  replicas: 1\n', '  replicas: 1\n  replicaz: 2\n'));
    const run = await runPipeline(['--root', root, '--builder', 'docker'], {
      ...process.env,
      PATH: `${join(tools, 'bin')}:${process.env.PATH}`,
      DOCKER_CLI: join(tools, 'bin/docker'),
      KUBECONFIG: join(tools, 'no-kubeconfig'),
    });
    assert.is(run.code, 1, run.output);
    assert.match(summaryRow(run.output, 'validate'), 'failed');
    for (const stage of ['cluster', 'build', 'deploy', 'smoke']) assert.match(summaryRow(run.output, stage), 'not run', stage);
    assert.match(run.output, /app-manifests\.yaml:\d+:\d+\s+error/);
    assert.match(run.output, 'replicaz');
    const calls = standInCalls(tools).map((call) => `${call.tool} ${call.args.join(' ')}`);
    assert.ok(calls.every((call) => / version/.test(call)), `only version checks before validate: ${calls.join('; ')}`);
    assert.equal(unexpectedCalls(tools), []);
  } finally {
    removeTree(root);
    removeTree(tools);
  }
});

(endToEndAvailable() ? pipeline : pipeline.skip)('stand-in istioctl (strict), kwok nodes: end to end with --builder docker --registry: cold run, no-op rerun, one-file change', async () => {
  const e2e = await startEndToEnd();
  const { kube, namespace, registry, root, tools } = e2e;
  try {
    const cold = await e2e.run();
    console.log(`cold run: ${cold.seconds.toFixed(1)} s`);
    assert.is(cold.code, 0, cold.output.slice(-6000));
    for (const stage of ['preflight', 'validate', 'cluster', 'build', 'deploy']) assert.match(summaryRow(cold.output, stage), 'passed', stage);
    assert.match(summaryRow(cold.output, 'smoke'), 'skipped');
    const calls = standInCalls(tools).map((call) => `${call.tool} ${call.args.join(' ')}`);
    assert.ok(calls.some((call) => call.startsWith(`istioctl install --set profile=demo -y --context ${e2e.kubeContext}`)), calls.join('; '));
    assert.equal(unexpectedCalls(tools), []);
    const deployments = (await kube.apps.listNamespacedDeployment({ namespace })).items;
    const apps = deployments.filter((item) => item.spec?.template.spec?.containers[0]?.image?.startsWith(registry.address));
    assert.ok(apps.length >= 10, `${apps.length} app Deployments run registry images`);
    for (const item of apps) {
      const image = item.spec?.template.spec?.containers[0]?.image ?? '';
      assert.match(image, new RegExp(`^${registry.address}/shopmesh/[a-z-]+:[0-9a-f]{12}$`));
      assert.ok(await registryHasImage(image), `${image} pushed`);
      assert.ok((item.status?.availableReplicas ?? 0) >= 1, `${item.metadata?.name} available`);
    }

    const noop = await e2e.run();
    console.log(`no-op rerun: ${noop.seconds.toFixed(1)} s`);
    assert.is(noop.code, 0, noop.output.slice(-4000));
    assert.match(summaryRow(noop.output, 'build'), /0 built, 0 loaded, \d+ already present/);
    assert.match(summaryRow(noop.output, 'deploy'), 'rolled: none');

    appendFileSync(join(root, 'services/cart-service/src/main.ts'), `\n// one-line change for the pipeline test, ${uniqueName('run')}\n`);
    const change = await e2e.run();
    console.log(`one-change run: ${change.seconds.toFixed(1)} s`);
    assert.is(change.code, 0, change.output.slice(-4000));
    assert.match(summaryRow(change.output, 'build'), /1 built, 0 loaded, \d+ already present/);
    assert.match(summaryRow(change.output, 'deploy'), /rolled: cart-service-deployment$/);
  } finally {
    await e2e.cleanup();
  }
});

pipeline.run();
