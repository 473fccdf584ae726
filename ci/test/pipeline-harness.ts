// The pipeline run as a user runs it (a child process of ci/pipeline.ts) against the test
// environment, shared by the end-to-end test and the pipeline benchmark: a copy of this repository
// whose manifests use a namespace of their own, recording stand-ins for the tools that cannot run
// here (istioctl: no Istio data plane; kind and docker for the validate test), a real registry on
// loopback, and the arguments of a `--builder docker --context <test API server>` run.
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { server } from '../../packages/testkit/src/index.ts';
import { isStatus, type Kube } from '../lib/kube.ts';
import { ISTIO_VERSION } from '../lib/versions.ts';
import { isolateManifest, makeTree, removeTree, REPO_ROOT, testKube, uniqueName } from './fixtures.ts';
import { registryInstalled, startRegistry, type RegistryServer } from './registry-server.ts';
import { writeStandIn } from './strict-stand-in.ts';
import { lockNodePort } from './standins/node-port-lock.ts';

const SKIPPED = new Set(['node_modules', '.git', 'dist', 'results', 'testenv', '.testenv', 'ci', 'scripts']);
const ADDONS = ['prometheus', 'grafana', 'kiali'];
const addonName = (addon: string): string => `shopmesh-e2e-addon-${addon}`;

/** A copy of the repository (sources, packages, manifests), its manifests isolated (fixtures.ts). */
export function repositoryCopy(namespace: string): string {
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

/**
 * Strict stand-ins (strict-stand-in.ts) for istioctl and, for the validate test, kind and docker:
 * version checks, and `istioctl install` for the test API server's context (its ingress gateway
 * Service is made by startEndToEnd: no Istio can run on kwok nodes). Any other call exits 97.
 * Their calls: standInCalls(dir). Addon files of Istio's samples are ConfigMaps here.
 */
export function standIns(): string {
  const addons = Object.fromEntries(
    ADDONS.map((addon) => [
      `istio/samples/addons/${addon}.yaml`,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${addonName(addon)}\n  namespace: istio-system\ndata:\n  addon: ${addon}\n`,
    ]),
  );
  const work = makeTree(addons);
  writeStandIn(work, 'istioctl', [
    { args: /version --remote=false --short/, stdout: `${ISTIO_VERSION}\n` },
    { args: /install --set profile=demo -y --context \S+ --kubeconfig \S+/, stdout: '✔ Installation complete (stand-in)\n' },
  ]);
  writeStandIn(work, 'kind', [{ args: /version/, stdout: 'kind v0.30.0 go1.24.6 linux/amd64\n' }]);
  writeStandIn(work, 'docker', [{ args: /version --format \{\{\.Server\.Version\}\}/, stdout: '28.2.2\n' }]);
  return work;
}

export interface Run {
  code: number | null;
  output: string;
  seconds: number;
}

export function runPipeline(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 18 * 60_000): Promise<Run> {
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

/** The row of the pipeline's summary table for one stage, or '' when absent. */
export const summaryRow = (output: string, stage: string): string =>
  output.split('\n').find((line) => new RegExp(`^\\s+${stage}\\s+(passed|failed|skipped|not run)`).test(line)) ?? '';

/** A ready-to-run end-to-end setup on the test environment; `cleanup` removes everything it made. */
export interface EndToEnd {
  kube: Kube;
  kubeContext: string;
  namespace: string;
  registry: RegistryServer;
  /** The repository copy the pipeline runs on (`--root`). */
  root: string;
  /** Stand-in tools (bin/); standInCalls(tools) lists their calls. */
  tools: string;
  run(): Promise<Run>;
  cleanup(): Promise<void>;
}

/** What `istioctl install` would leave: the ingress gateway Service. Returns whether it had to be created. */
async function ensureIngressGateway(kube: Kube): Promise<boolean> {
  try {
    await kube.core.readNamespacedService({ name: 'istio-ingressgateway', namespace: 'istio-system' });
    return false;
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  }
  await kube.core.createNamespace({ body: { metadata: { name: 'istio-system' } } }).catch(() => undefined);
  await kube.core.createNamespacedService({
    namespace: 'istio-system',
    body: { metadata: { name: 'istio-ingressgateway' }, spec: { type: 'LoadBalancer', selector: { istio: 'ingressgateway' }, ports: [{ name: 'http2', port: 80, targetPort: 8080 }] } },
  });
  return true;
}

/**
 * Whether the test environment has what startEndToEnd needs (the API server, the Docker engine, the
 * base image, the registry package), decided when a test file loads so that its suite is skipped,
 * with the SKIP lines testkit prints, rather than passing without running; under CI a missing
 * server is an error.
 */
export function endToEndAvailable(): boolean {
  const parts = [testKube() !== undefined, server('DOCKER_HOST') !== undefined, server('BASE_IMAGE') !== undefined, registryInstalled()];
  return parts.every(Boolean);
}

/**
 * `--builder docker --context <test API server> --registry <fresh loopback registry> --skip-smoke`
 * on a fresh repository copy and namespace (check endToEndAvailable() first: without the test
 * environment this throws).
 */
export async function startEndToEnd(namespacePrefix = 'shopmesh-e2e'): Promise<EndToEnd> {
  const target = testKube();
  const dockerHost = server('DOCKER_HOST');
  const baseImage = server('BASE_IMAGE');
  if (!target || !dockerHost || !baseImage) throw new Error('the test environment is not there: run testenv/up');
  const registry = await startRegistry();
  const kube = target.kube;
  const namespace = uniqueName(namespacePrefix);
  const root = repositoryCopy(namespace);
  const tools = standIns();
  let createdIngress = false;
  // The ingress gateway Service is cluster-wide: one test run at a time uses it.
  const nodePortLock = await lockNodePort();
  const cleanup = async (): Promise<void> => {
    await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    if (createdIngress) await kube.core.deleteNamespacedService({ name: 'istio-ingressgateway', namespace: 'istio-system' }).catch(() => undefined);
    for (const addon of ADDONS) {
      await kube.core.deleteNamespacedConfigMap({ name: addonName(addon), namespace: 'istio-system' }).catch(() => undefined);
    }
    await registry.stop();
    removeTree(root);
    removeTree(tools);
    nodePortLock.kill();
  };
  try {
    createdIngress = await ensureIngressGateway(kube);
  } catch (error) {
    await cleanup();
    throw error;
  }
  const args = [
    '--root', root, '--builder', 'docker', '--context', kube.context, '--kubeconfig', target.kubeconfig,
    '--registry', registry.address, '--skip-smoke', '--istio-dir', join(tools, 'istio'), '--timeout', '5m', '--jobs', '2',
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${join(tools, 'bin')}:${process.env.PATH}`,
    DOCKER_HOST: dockerHost,
    DOCKER_CLI: server('DOCKER_CLI') ?? 'docker',
    NODE_IMAGE: baseImage,
    SHOPMESH_BUILD_NETWORK: 'host',
    NAMESPACE: namespace,
  };
  return { kube, kubeContext: kube.context, namespace, registry, root, tools, run: () => runPipeline(args, env), cleanup };
}
