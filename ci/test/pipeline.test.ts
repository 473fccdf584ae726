// The whole pipeline as a user runs it (a child process of ci/pipeline.ts), on a copy of this
// repository whose manifests use a namespace of their own:
//   - a manifest error stops the run at validate, before any cluster call;
//   - end to end with --builder docker (real Docker engine) --context <test API server> --registry
//     <real registry on loopback>: real builds and pushes, real server-side applies and rollouts on
//     kwok nodes (no container runs); istioctl is a recording stand-in on PATH (no Istio data plane
//     here, so no smoke requests: --skip-smoke). Then a no-op rerun, and a one-file change.
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '../../packages/testkit/src/index.ts';
import { isStatus, type Kube } from '../lib/kube.ts';
import { registryHasImage } from '../lib/registry.ts';
import { ISTIO_VERSION } from '../lib/versions.ts';
import { isolateManifest, makeTree, removeTree, REPO_ROOT, testKube, uniqueName } from './fixtures.ts';
import { startRegistry, type RegistryServer } from './registry-server.ts';

const pipeline = suite('pipeline end to end');
const SKIPPED = new Set(['node_modules', '.git', 'dist', 'results', 'testenv', '.testenv', 'ci', 'scripts']);

/** A copy of the repository (sources, packages, manifests), its manifests isolated (fixtures.ts). */
function repositoryCopy(namespace: string): string {
  const root = makeTree({}, 'shopmesh-repo-');
  cpSync(REPO_ROOT, root, {
    recursive: true,
    filter: (source) => !relative(REPO_ROOT, source).split('/').some((part) => SKIPPED.has(part)),
  });
  const renameIn = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) renameIn(path);
      else if (/\.ya?ml$/.test(entry.name)) writeFileSync(path, isolateManifest(readFileSync(path, 'utf8'), namespace));
    }
  };
  renameIn(join(root, 'k8s'));
  return root;
}

/** Recording stand-ins for istioctl (and, for the validate test, kind and docker), and addon files. */
function standIns(): string {
  const addons = Object.fromEntries(
    ['prometheus', 'grafana', 'kiali'].map((addon) => [
      `istio/samples/addons/${addon}.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shopmesh-e2e-addon-${addon}\n  namespace: istio-system\ndata:\n  addon: ${addon}\n`,
    ]),
  );
  const work = makeTree({
    'bin/istioctl': `#!/usr/bin/env bash\necho "istioctl $*" >> "$SHOPMESH_FAKE_LOG"\n[[ $1 == version ]] && echo ${ISTIO_VERSION}\nexit 0\n`,
    'bin/kind': '#!/usr/bin/env bash\necho "kind $*" >> "$SHOPMESH_FAKE_LOG"\n[[ $1 == version ]] && echo "kind v0.30.0"\nexit 0\n',
    'bin/docker': '#!/usr/bin/env bash\necho "docker $*" >> "$SHOPMESH_FAKE_LOG"\necho 28.2.2\n',
    'commands.log': '',
    ...addons,
  });
  for (const tool of ['istioctl', 'kind', 'docker']) chmodSync(join(work, 'bin', tool), 0o755);
  return work;
}

interface Run {
  code: number | null;
  output: string;
  seconds: number;
}

function runPipeline(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 18 * 60_000): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'ci/pipeline.ts'), ...args], { cwd: REPO_ROOT, env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, seconds: (Date.now() - started) / 1000 });
    });
  });
}

const summaryRow = (output: string, stage: string): string =>
  output.split('\n').find((line) => new RegExp(`^\\s+${stage}\\s+(passed|failed|skipped|not run)`).test(line)) ?? '';

pipeline('a manifest error stops the run at validate: no cluster call, no build, exit 1', async () => {
  const namespace = uniqueName('shopmesh-e2e-invalid');
  const root = repositoryCopy(namespace);
  const tools = standIns();
  try {
    const path = join(root, 'k8s/app-manifests.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace('  replicas: 1\n', '  replicas: 1\n  replicaz: 2\n'));
    const run = await runPipeline(['--root', root, '--builder', 'docker'], {
      ...process.env,
      PATH: `${join(tools, 'bin')}:${process.env.PATH}`,
      SHOPMESH_FAKE_LOG: join(tools, 'commands.log'),
      DOCKER_CLI: join(tools, 'bin/docker'),
      KUBECONFIG: join(tools, 'no-kubeconfig'),
    });
    assert.is(run.code, 1, run.output);
    assert.match(summaryRow(run.output, 'validate'), 'failed');
    for (const stage of ['cluster', 'build', 'deploy', 'smoke']) assert.match(summaryRow(run.output, stage), 'not run', stage);
    assert.match(run.output, /app-manifests\.yaml:\d+:\d+\s+error/);
    assert.match(run.output, 'replicaz');
    const calls = readFileSync(join(tools, 'commands.log'), 'utf8').split('\n').filter(Boolean);
    assert.ok(calls.every((call) => / version/.test(call)), `only version checks before validate: ${calls.join('; ')}`);
  } finally {
    removeTree(root);
    removeTree(tools);
  }
});

pipeline('end to end with --builder docker --registry: cold run, no-op rerun, one-file change', async () => {
  const target = testKube();
  const dockerHost = server('DOCKER_HOST');
  const baseImage = server('BASE_IMAGE');
  if (!target || !dockerHost || !baseImage) return;
  const registry: RegistryServer | undefined = await startRegistry();
  if (!registry) return;
  const kube: Kube = target.kube;
  const namespace = uniqueName('shopmesh-e2e');
  const root = repositoryCopy(namespace);
  const tools = standIns();
  let createdIngress = false;
  try {
    // What `istioctl install` would leave: the ingress gateway Service (the stand-in creates nothing).
    try {
      await kube.core.readNamespacedService({ name: 'istio-ingressgateway', namespace: 'istio-system' });
    } catch (error) {
      if (!isStatus(error, 404)) throw error;
      await kube.core.createNamespace({ body: { metadata: { name: 'istio-system' } } }).catch(() => undefined);
      await kube.core.createNamespacedService({
        namespace: 'istio-system',
        body: { metadata: { name: 'istio-ingressgateway' }, spec: { type: 'LoadBalancer', selector: { istio: 'ingressgateway' }, ports: [{ name: 'http2', port: 80, targetPort: 8080 }] } },
      });
      createdIngress = true;
    }
    const args = [
      '--root', root, '--builder', 'docker', '--context', target.kube.context, '--kubeconfig', target.kubeconfig,
      '--registry', registry.address, '--skip-smoke', '--istio-dir', join(tools, 'istio'), '--timeout', '5m', '--jobs', '2',
    ];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${join(tools, 'bin')}:${process.env.PATH}`,
      SHOPMESH_FAKE_LOG: join(tools, 'commands.log'),
      DOCKER_HOST: dockerHost,
      DOCKER_CLI: server('DOCKER_CLI') ?? 'docker',
      NODE_IMAGE: baseImage,
      SHOPMESH_BUILD_NETWORK: 'host',
      NAMESPACE: namespace,
    };

    const cold = await runPipeline(args, env);
    console.log(`cold run: ${cold.seconds.toFixed(1)} s`);
    assert.is(cold.code, 0, cold.output.slice(-6000));
    for (const stage of ['preflight', 'validate', 'cluster', 'build', 'deploy']) assert.match(summaryRow(cold.output, stage), 'passed', stage);
    assert.match(summaryRow(cold.output, 'smoke'), 'skipped');
    assert.match(readFileSync(join(tools, 'commands.log'), 'utf8'), `istioctl install --set profile=demo -y --context ${target.kube.context}`);
    const deployments = (await kube.apps.listNamespacedDeployment({ namespace })).items;
    const apps = deployments.filter((item) => item.spec?.template.spec?.containers[0]?.image?.startsWith(registry.address));
    assert.ok(apps.length >= 10, `${apps.length} app Deployments run registry images`);
    for (const item of apps) {
      const image = item.spec?.template.spec?.containers[0]?.image ?? '';
      assert.match(image, new RegExp(`^${registry.address}/shopmesh/[a-z-]+:[0-9a-f]{12}$`));
      assert.ok(await registryHasImage(image), `${image} pushed`);
      assert.ok((item.status?.availableReplicas ?? 0) >= 1, `${item.metadata?.name} available`);
    }

    const noop = await runPipeline(args, env);
    console.log(`no-op rerun: ${noop.seconds.toFixed(1)} s`);
    assert.is(noop.code, 0, noop.output.slice(-4000));
    assert.match(summaryRow(noop.output, 'build'), /0 built, 0 loaded, \d+ already present/);
    assert.match(summaryRow(noop.output, 'deploy'), 'rolled: none');

    appendFileSync(join(root, 'services/cart-service/src/main.ts'), `\n// one-line change for the pipeline test, ${uniqueName('run')}\n`);
    const change = await runPipeline(args, env);
    console.log(`one-change run: ${change.seconds.toFixed(1)} s`);
    assert.is(change.code, 0, change.output.slice(-4000));
    assert.match(summaryRow(change.output, 'build'), /1 built, 0 loaded, \d+ already present/);
    assert.match(summaryRow(change.output, 'deploy'), /rolled: cart-service-deployment$/);
  } finally {
    await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    if (createdIngress) await kube.core.deleteNamespacedService({ name: 'istio-ingressgateway', namespace: 'istio-system' }).catch(() => undefined);
    for (const addon of ['prometheus', 'grafana', 'kiali']) {
      await kube.core.deleteNamespacedConfigMap({ name: `shopmesh-e2e-addon-${addon}`, namespace: 'istio-system' }).catch(() => undefined);
    }
    await registry.stop();
    removeTree(root);
    removeTree(tools);
  }
});

pipeline.run();
