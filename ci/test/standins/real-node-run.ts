// The whole pipeline, as a user runs it on kind, against the test environment's real node: shared by
// the end-to-end test (ci/test/pipeline-real-node.test.ts) and `npm run bench:pipeline`.
//   npx tsx ci/pipeline.ts --builder docker --kubeconfig K --image-map testenv/images/image-map.yaml
//     --node-selector shopmesh.dev/real-node=true --toleration shopmesh.dev/real-node=true:NoExecute
//     --gateway http://<node>:30000 --istio-dir <addon files>
// on a copy of the repository whose manifests use a namespace of their own (pipeline-harness.ts),
// with strict stand-ins for kind, istioctl and the kind node's side of docker (tools.ts). Runs that
// need NodePort 30000 (cluster-wide) are serialised by a lock file; the shop a run leaves running
// (bench) is replaced by the next run.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { loadTestEnv, server } from '../../../packages/testkit/src/index.ts';
import { realNode } from '../../../packages/testkit/src/real-node.ts';
import { isStatus, type Kube } from '../../lib/kube.ts';
import { makeTree, removeTree, REPO_ROOT, testKube, uniqueName } from '../fixtures.ts';
import { repositoryCopy, runPipeline, type Run } from '../pipeline-harness.ts';
import { lockNodePort } from './node-port-lock.ts';
import { writeRealNodeStandIns } from './tools.ts';

const exec = promisify(execFile);
export const IMAGE_MAP = join(REPO_ROOT, 'testenv/images/image-map.yaml');
export { GATEWAY_NODE_PORT } from './node-port-lock.ts';
import { GATEWAY_NODE_PORT } from './node-port-lock.ts';
/** Namespaces of shops left running by earlier runs carry this label; the next run removes them. */
export const SHOP_LABEL = 'shopmesh.dev/pipeline-real-node';
const ISTIO_NS = 'istio-system';
const ADDONS = ['prometheus', 'grafana', 'kiali'];

export interface RealNodeRun {
  kube: Kube;
  namespace: string;
  root: string;
  tools: string;
  gatewayUrl: string;
  /** A pipeline run; `extraEnv` e.g. SHOPMESH_STANDIN_FAIL=kind:load. */
  run(extraEnv?: NodeJS.ProcessEnv, timeoutMs?: number): Promise<Run>;
  /** Spawns a run without waiting (for the interruption test). */
  start(): ChildProcess;
  /** Leaves the shop running (namespace labelled for the next run to replace) or removes it. */
  finish(keepShop: boolean): Promise<void>;
}

/** The infrastructure stand-in images of the image map, handed to the node (a developer's step too). */
export async function loadInfraImages(mapFile = IMAGE_MAP): Promise<string[]> {
  const images = readFileSync(mapFile, 'utf8')
    .split('\n')
    .map((line) => /^[^#\s][^:]*:[^:\s]+:\s*(\S+)\s*$/.exec(line)?.[1])
    .filter((image): image is string => image !== undefined);
  // Built first (cached by input digest: a second call takes seconds), as a fresh environment has none.
  try {
    await exec(join(REPO_ROOT, 'testenv/images/build'), [], { timeout: 30 * 60_000, maxBuffer: 8 << 20 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`building the infrastructure stand-ins with testenv/images/build failed: ${stderr.trim()}`);
  }
  try {
    await exec(join(REPO_ROOT, 'testenv/node-load-image'), images, { timeout: 15 * 60_000 });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`loading the infrastructure stand-ins ${images.join(' ')} into the node failed: ${stderr.trim()}`);
  }
  return images;
}

async function removeEarlierShops(kube: Kube): Promise<void> {
  const earlier = await kube.core.listNamespace({ labelSelector: SHOP_LABEL });
  for (const item of earlier.items) await kube.core.deleteNamespace({ name: item.metadata?.name ?? '' }).catch(() => undefined);
  // istiod missing: the next `istioctl install` deploys a gateway routing to the new namespace.
  for (const name of ['istiod', 'istio-ingressgateway']) {
    await kube.apps.deleteNamespacedDeployment({ name, namespace: ISTIO_NS }).catch((error: unknown) => {
      if (!isStatus(error, 404)) throw error;
    });
  }
}

/**
 * Whether the test environment has what startRealNodeRun needs (API server, real node, Docker
 * engine), for a suite to decide when its file loads whether it skips (testkit prints the SKIP
 * lines; under CI a missing server is an error).
 */
export function realNodeRunAvailable(): boolean {
  const parts = [testKube() !== undefined, realNode() !== undefined, server('DOCKER_HOST') !== undefined];
  return parts.every(Boolean);
}

export async function startRealNodeRun(prefix: string): Promise<RealNodeRun | undefined> {
  const target = testKube();
  const node = realNode();
  const dockerHost = server('DOCKER_HOST');
  if (!target || !node || !dockerHost) return undefined;
  const env = loadTestEnv();
  const lock = await lockNodePort();
  const namespace = uniqueName(prefix);
  let root = '';
  let tools = '';
  try {
    await removeEarlierShops(target.kube);
    root = repositoryCopy(namespace);
    tools = makeTree(
      Object.fromEntries(
        ADDONS.map((addon) => [
          `istio/samples/addons/${addon}.yaml`,
          // Istio's addons (Prometheus, Grafana, Kiali) read the mesh's telemetry, which a gateway
          // stand-in does not produce: a ConfigMap per addon stands for each file.
          `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shopmesh-addon-standin-${addon}\n  namespace: istio-system\ndata:\n  addon: ${addon}\n`,
        ]),
      ),
      'shopmesh-real-node-',
    );
    const imageMap = IMAGE_MAP;
    await loadInfraImages(imageMap);
    const kubeconfig = join(tools, 'kubeconfig');
    copyFileSync(target.kubeconfig, kubeconfig);
    const source = new KubeConfig();
    source.loadFromFile(target.kubeconfig);
    const context = source.getContextObject(source.getCurrentContext());
    const cluster = 'shopmesh-test';
    const bin = writeRealNodeStandIns({
      dir: tools,
      cluster,
      nodeName: node.name,
      kubeconfig,
      kubeCluster: context?.cluster ?? '',
      kubeUser: context?.user ?? '',
      realDocker: env.DOCKER_CLI ?? 'docker',
      containerdSocket: env.SHOPMESH_NODE_CONTAINERD_SOCKET ?? '',
      ctr: env.SHOPMESH_NODE_CTR ?? 'ctr',
      install: {
        root,
        namespace,
        nodeLabel: node.label,
        baseImage: node.baseImage,
        dockerCli: env.DOCKER_CLI ?? 'docker',
        nodeLoader: join(REPO_ROOT, 'testenv/node-load-image'),
      },
    });
    const gatewayUrl = `http://${node.ip}:${GATEWAY_NODE_PORT}`;
    const [key, value] = node.label;
    const args = [
      '--root', root, '--builder', 'docker', '--kubeconfig', kubeconfig, '--image-map', imageMap,
      '--node-selector', `${key}=${value}`, '--toleration', `${key}=${value}:NoExecute`,
      '--gateway', gatewayUrl, '--istio-dir', join(tools, 'istio'), '--timeout', '15m', '--jobs', '2',
    ];
    const runEnv: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      DOCKER_HOST: dockerHost,
      DOCKER_CLI: join(bin, 'docker'),
      NODE_IMAGE: node.baseImage,
      SHOPMESH_BUILD_NETWORK: 'host',
      CLUSTER_NAME: cluster,
      NAMESPACE: namespace,
    };
    const kube = target.kube;
    return {
      kube,
      namespace,
      root,
      tools,
      gatewayUrl,
      run: (extraEnv = {}, timeoutMs = 25 * 60_000) => runPipeline(args, { ...runEnv, ...extraEnv }, timeoutMs),
      start: () =>
        spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'ci/pipeline.ts'), ...args], { cwd: REPO_ROOT, env: runEnv, stdio: ['ignore', 'pipe', 'pipe'] }),
      async finish(keepShop) {
        try {
          if (keepShop) {
            const label = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { [SHOP_LABEL]: 'true' } } };
            await kube.objects.patch(label, undefined, undefined, undefined, undefined, 'application/merge-patch+json').catch((error: unknown) => {
              if (!isStatus(error, 404)) throw error;
            });
          } else {
            await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
            for (const name of ['istiod', 'istio-ingressgateway']) await kube.apps.deleteNamespacedDeployment({ name, namespace: ISTIO_NS }).catch(() => undefined);
          }
        } finally {
          removeTree(root);
          removeTree(tools);
          lock.kill();
        }
      },
    };
  } catch (error) {
    if (root) removeTree(root);
    if (tools) removeTree(tools);
    lock.kill();
    throw error;
  }
}
