// What the istioctl stand-in's `install` does on the test cluster (the real Istio control plane and
// Envoy cannot run here): in istio-system, an ingress-gateway stand-in (a pod of the base image
// running ci/test/standins/ingress-gateway.ts over the routes of k8s/istio/virtual-service.yaml)
// behind the Service istio-ingressgateway (LoadBalancer, port 80 named http2, as istioctl leaves it;
// the cluster stage then patches it to NodePort 30000), and an istiod Deployment at the pinned
// version that the cluster stage checks. Both pods run on the real node.
// Usage: node --import tsx istio-install.ts CONFIG.json   (config: InstallConfig)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { build } from 'esbuild';
import { loadTopology } from '../../../dev/routes.ts';
import { applyObjects } from '../../lib/apply.ts';
import { connectKube } from '../../lib/kube.ts';
import { Log } from '../../lib/log.ts';
import { waitForRollouts } from '../../lib/rollout.ts';
import { ISTIO_VERSION } from '../../lib/versions.ts';

export interface InstallConfig {
  kubeconfig: string;
  context: string;
  /** Repository copy whose k8s/istio/virtual-service.yaml the gateway serves. */
  root: string;
  /** Namespace of the routes' destination Services. */
  namespace: string;
  /** Node label key=value (also the NoExecute taint) that pins the pods to the real node. */
  nodeLabel: [string, string];
  /** The base image (on the node already): the gateway runs Node from it; istiod's stand-in is a tag of it. */
  baseImage: string;
  dockerCli: string;
  /** testenv/node-load-image of this checkout. */
  nodeLoader: string;
}

export const ISTIOD_STANDIN_IMAGE = `shopmesh/standin-istiod:${ISTIO_VERSION}`;
const NS = 'istio-system';
const MANAGER = 'istioctl-standin';

async function gatewayBundle(): Promise<string> {
  const result = await build({
    entryPoints: [join(import.meta.dirname, 'ingress-gateway.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    write: false,
    // dev/proxy.ts runs its own main when it is the entry script: the bundle never is.
    define: { 'import.meta.url': JSON.stringify('file:///ingress-gateway-standin.mjs') },
    banner: { js: "import { createRequire as standInCreateRequire } from 'node:module'; const require = standInCreateRequire('file:///ingress-gateway-standin.mjs');" },
    logLevel: 'error',
  });
  return result.outputFiles[0]?.text ?? '';
}

function pinned(config: InstallConfig): Record<string, unknown> {
  const [key, value] = config.nodeLabel;
  return { nodeSelector: { [key]: value }, tolerations: [{ key, operator: 'Equal', value, effect: 'NoExecute' }] };
}

function deployment(config: InstallConfig, name: string, labels: Record<string, string>, podSpec: Record<string, unknown>): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    // The label lets testenv/down remove the stand-ins with the shop a benchmark left running.
    metadata: { name, namespace: NS, labels: { ...labels, 'shopmesh.dev/pipeline-real-node': 'true' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { ...pinned(config), terminationGracePeriodSeconds: 2, ...podSpec } },
    },
  } as KubernetesObject;
}

export async function installStandIn(config: InstallConfig, log: Log): Promise<void> {
  const topology = await loadTopology(config.root);
  const gatewayLabels = { app: 'istio-ingressgateway', istio: 'ingressgateway' };
  const objects: KubernetesObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'istio-ingressgateway-standin', namespace: NS },
      data: {
        'gateway.mjs': await gatewayBundle(),
        'routes.json': JSON.stringify({ namespace: config.namespace, routes: topology.routes }),
      },
    } as KubernetesObject,
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'istio-ingressgateway-service-account', namespace: NS } },
    deployment(config, 'istio-ingressgateway', gatewayLabels, {
      serviceAccountName: 'istio-ingressgateway-service-account',
      containers: [
        {
          name: 'istio-proxy',
          image: config.baseImage,
          imagePullPolicy: 'IfNotPresent',
          command: ['node', '/etc/gateway/gateway.mjs'],
          ports: [{ name: 'http2', containerPort: 8080 }],
          readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 2 },
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '128Mi' } },
          volumeMounts: [{ name: 'gateway', mountPath: '/etc/gateway', readOnly: true }],
        },
      ],
      volumes: [{ name: 'gateway', configMap: { name: 'istio-ingressgateway-standin' } }],
    }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'istio-ingressgateway', namespace: NS, labels: gatewayLabels },
      spec: { type: 'LoadBalancer', selector: gatewayLabels, ports: [{ name: 'http2', port: 80, targetPort: 8080 }] },
    } as KubernetesObject,
    deployment(config, 'istiod', { app: 'istiod', istio: 'pilot' }, {
      containers: [
        {
          name: 'discovery',
          image: ISTIOD_STANDIN_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          command: ['node', '-e', 'setInterval(() => {}, 1 << 30)'],
          resources: { requests: { cpu: '1m', memory: '8Mi' }, limits: { memory: '64Mi' } },
        },
      ],
    }),
  ];

  execFileSync(config.dockerCli, ['tag', config.baseImage, ISTIOD_STANDIN_IMAGE], { stdio: 'inherit' });
  execFileSync(config.nodeLoader, [config.baseImage, ISTIOD_STANDIN_IMAGE], { stdio: 'inherit' });
  const kube = connectKube({ kubeconfig: config.kubeconfig, context: config.context });
  // The Service's type is the installer's (as a real re-install sets LoadBalancer back).
  await applyObjects(kube, objects, { fieldManager: MANAGER });
  log.line(`✔ Istio core installed (stand-in: ingress gateway with ${topology.routes.length} routes to ${config.namespace})`);
  // A changed ConfigMap is not seen by a running gateway: replace its pod.
  await kube.core.deleteCollectionNamespacedPod({ namespace: NS, labelSelector: 'istio=ingressgateway' });
  await waitForRollouts(
    kube,
    [
      { kind: 'Deployment', namespace: NS, name: 'istiod' },
      { kind: 'Deployment', namespace: NS, name: 'istio-ingressgateway' },
    ],
    { deadlineMs: 5 * 60_000, log },
  );
  log.line('✔ Installation complete');
}

const configFile = process.argv[2];
if (configFile && import.meta.filename === process.argv[1]) {
  await installStandIn(JSON.parse(readFileSync(configFile, 'utf8')) as InstallConfig, new Log());
}
