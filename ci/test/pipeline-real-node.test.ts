// The whole pipeline on the test environment's real node (ci/test/standins/real-node-run.ts):
// `--builder docker` (the Dagger engine's stand-in is the real Docker engine), strict stand-ins for
// kind and istioctl (tools.ts), the infrastructure from the real k8s/infra-manifests.yaml with only
// its images swapped by --image-map, every workload on the real node, and the smoke stage shopping
// through NodePort 30000 of the node. One shop per suite (a cold run is minutes on two CPUs).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { realNode } from '../../packages/testkit/src/real-node.ts';
import { summaryRow } from './pipeline-harness.ts';
import { realNodeRunAvailable, startRealNodeRun, type RealNodeRun } from './standins/real-node-run.ts';
import { uniqueName } from './fixtures.ts';
import { unexpectedCalls } from './strict-stand-in.ts';

const STAGES = ['preflight', 'validate', 'cluster', 'build', 'deploy', 'smoke'];
const test = suite<{ shop: RealNodeRun }>('pipeline on the real node', {} as { shop: RealNodeRun });
const available = realNodeRunAvailable();
const it = available ? test : test.skip;

test.before(async (context) => {
  if (!available) return;
  const shop = await startRealNodeRun('shopmesh-node-e2e');
  if (!shop) throw new Error('the real node run could not start');
  context.shop = shop;
});
test.after(async (context) => {
  await (context.shop as RealNodeRun | undefined)?.finish(false);
});

const change = (shop: RealNodeRun, service: string): void =>
  appendFileSync(join(shop.root, `services/${service}/src/main.ts`), `\n// one-line change, ${uniqueName('run')}\n`);

it('stand-ins kind, istioctl (strict) + docker builder: cold run passes every stage on the real node, smoke through NodePort 30000', async ({ shop }) => {
  const cold = await shop.run();
  console.log(`cold run: ${cold.seconds.toFixed(1)} s`);
  assert.is(cold.code, 0, cold.output.slice(-8000));
  for (const stage of STAGES) assert.match(summaryRow(cold.output, stage), 'passed', stage);
  assert.equal(unexpectedCalls(shop.tools), []);
  const pods = (await shop.kube.core.listNamespacedPod({ namespace: shop.namespace })).items;
  const node = realNode()?.name;
  assert.ok(pods.length >= 14, `${pods.length} pods`);
  for (const pod of pods) assert.is(pod.spec?.nodeName, node, `${pod.metadata?.name} runs on the real node`);
  // Every public route answered through the gateway stand-in, and the whole shopping flow (the
  // scenario's checks: order paid, counted by stats, its notification delivered, found by search).
  const answered = cold.output.split('\n').filter((line) => line.startsWith('[smoke] ok '));
  const prefixes = new Set(answered.map((line) => /\s(?:GET|POST|PUT|PATCH|DELETE) \/([a-z]+)\//.exec(line)?.[1]));
  assert.equal([...prefixes].sort(), ['auth', 'cart', 'notifications', 'orders', 'products', 'reviews', 'search', 'stats']);
  for (const step of ['POST /auth/register', 'POST /auth/login', 'PUT /cart/items/', 'POST /orders/', 'GET /search/', 'GET /stats/products/', 'GET /notifications/']) {
    assert.ok(answered.some((line) => line.includes(step)), `smoke answered ${step}`);
  }
});

it('no-op rerun: nothing built, nothing rolled', async ({ shop }) => {
  const noop = await shop.run();
  console.log(`no-op rerun: ${noop.seconds.toFixed(1)} s`);
  assert.is(noop.code, 0, noop.output.slice(-4000));
  assert.match(summaryRow(noop.output, 'build'), /0 built, 0 loaded, \d+ already present/);
  assert.match(summaryRow(noop.output, 'deploy'), 'rolled: none');
});

it('stand-in kind, failing variant load: the build stage fails naming the image, diagnose runs', async ({ shop }) => {
  change(shop, 'review-service');
  const run = await shop.run({ SHOPMESH_STANDIN_FAIL: 'kind:load' });
  assert.is(run.code, 1, run.output.slice(-4000));
  assert.match(summaryRow(run.output, 'build'), 'failed');
  assert.match(run.output, /kind load docker-image shopmesh\/review-service:[0-9a-f]+/);
  assert.match(run.output, 'failed to load image');
  assert.match(summaryRow(run.output, 'diagnose'), 'passed');
});

it('docker builder, failing variant build: the build stage fails naming the Dockerfile', async ({ shop }) => {
  change(shop, 'stats-service');
  const run = await shop.run({ SHOPMESH_STANDIN_FAIL: 'docker:build' });
  assert.is(run.code, 1, run.output.slice(-4000));
  assert.match(summaryRow(run.output, 'build'), 'failed');
  assert.match(run.output, 'docker build services/stats-service/Dockerfile');
  assert.match(run.output, 'failed to solve');
});

it('stand-in istioctl, failing variant install: the cluster stage fails with istioctl\'s message', async ({ shop }) => {
  await shop.kube.apps.deleteNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' });
  const run = await shop.run({ SHOPMESH_STANDIN_FAIL: 'istioctl:install' });
  assert.is(run.code, 1, run.output.slice(-4000));
  assert.match(summaryRow(run.output, 'cluster'), 'failed');
  assert.match(run.output, 'istioctl install');
  assert.match(run.output, 'failed to install manifests');
  assert.match(summaryRow(run.output, 'diagnose'), 'passed');
});

it('a run killed mid-deploy leaves a cluster the next run converges (one image rebuilt, one Deployment rolled)', async ({ shop }) => {
  const child = shop.start();
  // Killed (SIGKILL: no clean-up of any kind) once the deploy stage has applied the changed
  // Deployment and waits for its rollout.
  const killed = await new Promise<boolean>((resolve) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/\[deploy\] rolling: .*review-service-deployment/.test(output)) resolve(child.kill('SIGKILL'));
    });
    child.on('exit', () => resolve(false));
  });
  assert.ok(killed, 'the run was killed during its deploy stage');
  const next = await shop.run();
  assert.is(next.code, 0, next.output.slice(-6000));
  assert.match(summaryRow(next.output, 'build'), /0 built, 0 loaded, \d+ already present/);
  for (const stage of STAGES) assert.match(summaryRow(next.output, stage), 'passed', stage);
});

test.run();
