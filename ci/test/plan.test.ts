// --plan, run as a user would (a child process of ci/pipeline.ts): with no tool on PATH and no
// cluster it still lists every stage and every service image with its tag; with a reachable cluster
// it says which Deployments would roll, and changes nothing there.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyObjects } from '../lib/apply.ts';
import { withImageRefs } from '../lib/images.ts';
import { buildArgsFromEnv, imageSources, planImages } from '../lib/image-sources.ts';
import { Log } from '../lib/log.ts';
import { waitForRollouts } from '../lib/rollout.ts';
import { loadObjects, workloadsOf } from '../steps/deploy.ts';
import { REPO_ROOT, testKube, uniqueName } from './fixtures.ts';

function plan(args: string[], env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'ci/pipeline.ts'), '--plan', ...args], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('--plan with an empty PATH and no cluster: every stage, every service with its digest tag, exit 0', async () => {
  const { status, output } = plan([], { PATH: '', HOME: '/nonexistent', KUBECONFIG: '/nonexistent/kubeconfig' });
  assert.is(status, 0, output);
  const expected = planImages(REPO_ROOT, await imageSources(REPO_ROOT, { withLab: false }), buildArgsFromEnv({}), { kind: 'kind', cluster: 'lirmm' });
  assert.ok(expected.length > 0, 'the repository has services');
  for (const image of expected) {
    assert.match(output, new RegExp(`\\[build\\]\\s+${image.name}\\s+${image.tag.replace(/[/.]/g, '\\$&')}\\s`), `${image.name} listed with ${image.tag}`);
  }
  for (const stage of ['preflight', 'validate', 'cluster', 'build', 'deploy', 'smoke']) assert.match(output, `[${stage}]`);
  assert.match(output, 'docker: NOT FOUND');
  assert.match(output, 'kind: NOT FOUND');
  assert.match(output, 'not reachable');
});

const target = testKube();

// Without the test environment's API server this is a skipped test (a failure under CI), never a silent pass.
(target ? test : test.skip)('--plan against a reachable cluster names the Deployments that would roll, and changes nothing', async () => {
  const { kube, kubeconfig } = target!;
  const namespace = uniqueName('shopmesh-plan');
  const registry = '127.0.0.1:5999';
  const images = planImages(REPO_ROOT, await imageSources(REPO_ROOT, { withLab: false }), buildArgsFromEnv({}), { kind: 'registry', registry });
  const current = images[0];
  const stale = images[1];
  assert.ok(current && stale, 'the repository has at least two images to plan');
  try {
    await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
    // Two of the project's Deployments already running: one at the planned image, one at an older one.
    const apps = await loadObjects(REPO_ROOT, ['k8s/app-manifests.yaml'], namespace);
    const refs = new Map(images.map((image) => [image.name, image.ref]));
    refs.set(stale.name, `${registry}/shopmesh/${stale.name}:000000000000`);
    const appOf = (object: KubernetesObject): string => object.metadata?.labels?.app ?? '';
    const running = withImageRefs(
      apps.filter((object) => ['Deployment', 'ServiceAccount'].includes(object.kind ?? '') && [current.name, stale.name].includes(appOf(object))),
      refs,
    ).map((object): KubernetesObject => ({ ...object, metadata: { ...object.metadata, namespace } }));
    await applyObjects(kube, running);
    await waitForRollouts(kube, workloadsOf(running), { deadlineMs: 60_000, log: new Log(() => undefined) });
    // Generations and pod templates: what an apply would change (controllers keep updating status).
    const versions = async (): Promise<string[]> =>
      (await kube.apps.listNamespacedDeployment({ namespace })).items
        .map((item) => `${item.metadata?.name}@${item.metadata?.generation}:${JSON.stringify(item.spec?.template)}`)
        .sort();
    const before = await versions();

    const { status, output } = plan(['--context', target!.kube.context, '--kubeconfig', kubeconfig, '--registry', registry], {
      ...process.env,
      NAMESPACE: namespace,
    });
    assert.is(status, 0, output);
    assert.match(output, `context ${target!.kube.context} answers`);
    assert.match(output, new RegExp(`${stale.name}(-v1)?-deployment: ROLLS \\(new image\\)`));
    assert.match(output, new RegExp(`${current.name}(-v1)?-deployment: unchanged`));
    assert.match(output, /-deployment: created/);
    assert.equal(await versions(), before, '--plan changed nothing');
  } finally {
    await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  }
});

test.run();
