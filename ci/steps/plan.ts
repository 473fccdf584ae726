// --plan: what every stage would do, computed from the sources alone (service discovery, digests,
// manifests) and compared with the cluster only when it answers. Touches nothing and runs no tool,
// so it works on a machine where none is installed.
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { applyImageMap, describeImageMap, type ImageMap } from '../lib/image-map.ts';
import { describePlacement, isEmptyPlacement, withPlacement } from '../lib/placement.ts';
import { placeholderImageNames, withImageRefs } from '../lib/images.ts';
import type { PlannedImage } from '../lib/image-sources.ts';
import { LAB_MANIFEST } from '../lib/image-sources.ts';
import { connectKube, isReachable, type Kube } from '../lib/kube.ts';
import type { Log } from '../lib/log.ts';
import { formatTable } from '../lib/log.ts';
import { kubeContext, type PipelineOptions } from '../lib/options.ts';
import { registryHasImage } from '../lib/registry.ts';
import { ISTIO_ADDONS, ISTIO_VERSION, INGRESS_NODE_PORT, istioAddonUrl } from '../lib/versions.ts';
import { APP_MANIFESTS, INFRA_MANIFESTS, ISTIO_MANIFESTS, loadObjects } from './deploy.ts';
import { findOnPath, requiredTools } from './preflight.ts';
import { manifestPaths } from './validate.ts';

export interface PlanInput {
  root: string;
  options: PipelineOptions;
  images: readonly PlannedImage[];
  /** --image-map, already read and checked. */
  imageMap?: ImageMap | undefined;
  log: Log;
}

async function reachableCluster(options: PipelineOptions): Promise<Kube | undefined> {
  try {
    const kube = connectKube({ kubeconfig: options.kubeconfig, context: kubeContext(options) });
    return (await isReachable(kube)) ? kube : undefined;
  } catch {
    return undefined;
  }
}

function countKinds(objects: readonly KubernetesObject[]): string {
  const counts = new Map<string, number>();
  for (const object of objects) counts.set(object.kind ?? '?', (counts.get(object.kind ?? '?') ?? 0) + 1);
  return [...counts].map(([kind, count]) => `${count} ${kind}`).join(', ');
}

function imagesOf(deployment: V1Deployment): string {
  const spec = deployment.spec?.template.spec;
  return JSON.stringify([...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((container) => container.image));
}

export async function runPlan(input: PlanInput): Promise<void> {
  const { options, root, images } = input;
  const log = input.log;
  const kube = await reachableCluster(options);
  const live = new Map<string, V1Deployment>();
  if (kube) {
    for (const deployment of (await kube.apps.listNamespacedDeployment({ namespace: options.namespace })).items) {
      live.set(deployment.metadata?.name ?? '', deployment);
    }
  }
  const runningImages = new Set([...live.values()].flatMap((deployment) => JSON.parse(imagesOf(deployment)) as string[]));

  log.line('plan: what a run would do (nothing is changed)');
  log.line(kube ? `cluster: context ${kube.context} answers; compared with it below` : `cluster: context ${kubeContext(options)} not reachable; nothing compared with it`);

  const preflight = log.child('preflight');
  for (const tool of requiredTools(options)) {
    const path = findOnPath(tool.name);
    preflight.line(`${tool.name}${tool.optional ? ' (optional)' : ''}: ${path ? `found at ${path}` : 'NOT FOUND'} - ${tool.why}`);
  }

  log.child('validate').line(`validate ${manifestPaths(root, options.withLab).map((path) => path.slice(root.length + 1)).join(', ')}`);

  const cluster = log.child('cluster');
  if (options.target.kind === 'kind') {
    cluster.line(
      options.recreate
        ? `delete kind cluster ${options.clusterName}, then create it from kind-cluster-config.yaml`
        : `reuse kind cluster ${options.clusterName}, or create it from kind-cluster-config.yaml`,
    );
  } else {
    cluster.line(`use context ${kubeContext(options)} as it is (no kind)`);
  }
  cluster.line(`istioctl install --set profile=demo -y unless istiod ${ISTIO_VERSION} is healthy`);
  cluster.line(
    `apply addons ${ISTIO_ADDONS.join(', ')} from ${options.istioDir ? `${options.istioDir}/samples/addons` : istioAddonUrl('<addon>')}`,
  );
  cluster.line(`istio-ingressgateway: NodePort ${INGRESS_NODE_PORT}; namespace ${options.namespace} with istio-injection=enabled; Secret auth-service-secrets if absent`);

  const build = log.child('build');
  const building = options.only ? images.filter((image) => options.only?.includes(image.name)) : images;
  build.line(
    options.skipBuild
      ? 'skipped (--skip-build): the images below must already be there'
      : `${options.builder} builder, ${options.jobs} at a time, into ${options.target.kind === 'kind' ? `kind cluster ${options.clusterName}` : `registry ${options.target.registry}`}:`,
  );
  const rows: string[][] = [];
  for (const image of building) {
    let presence = 'unknown without docker';
    if (options.target.kind === 'registry') presence = (await registryHasImage(image.ref, 2000)) ? 'in the registry: skip' : 'build';
    else if (runningImages.has(image.ref)) presence = 'running in the cluster: skip';
    else if (kube) presence = 'build (not running in the cluster)';
    rows.push([image.name, image.ref, image.dockerfile, presence]);
  }
  for (const line of formatTable(['IMAGE', 'TAG', 'DOCKERFILE', 'STATUS'], rows)) build.line(`  ${line}`);

  const deploy = log.child('deploy');
  const infraMapped = applyImageMap(withPlacement(await loadObjects(root, [INFRA_MANIFESTS], options.namespace), options.placement), input.imageMap);
  const infra = infraMapped.objects;
  deploy.line(`server-side apply ${INFRA_MANIFESTS}: ${infra.length} objects (${countKinds(infra)}); wait until ready`);
  const refs = new Map(images.map((image) => [image.name, image.ref]));
  const appPaths = [APP_MANIFESTS, ISTIO_MANIFESTS, ...(options.withLab ? [LAB_MANIFEST] : [])];
  const appObjects = await loadObjects(root, appPaths, options.namespace);
  for (const name of placeholderImageNames(appObjects)) {
    if (refs.has(name)) continue;
    deploy.line(`warning: the manifests use shopmesh/${name}:dev but services/${name}/Dockerfile does not exist: a run would fail`);
    refs.set(name, `shopmesh/${name}:<no Dockerfile>`);
  }
  const appsMapped = applyImageMap(withPlacement(withImageRefs(appObjects, refs), options.placement), input.imageMap);
  const apps = appsMapped.objects;
  if (input.imageMap) {
    for (const line of describeImageMap(input.imageMap, [...infraMapped.replacements, ...appsMapped.replacements])) deploy.line(line);
  }
  if (!isEmptyPlacement(options.placement)) deploy.line(`every workload's pods get ${describePlacement(options.placement)} (--node-selector, --toleration)`);
  deploy.line(`server-side apply ${appPaths.join(', ')}: ${apps.length} objects (${countKinds(apps)})`);
  for (const object of apps.filter((candidate) => candidate.kind === 'Deployment')) {
    const name = object.metadata?.name ?? '';
    const current = live.get(name);
    const service = (object as V1Deployment).spec?.template.metadata?.labels?.app ?? '';
    const excluded = options.only !== undefined && !options.only.includes(service);
    let fate: string;
    if (!kube) fate = 'rolls if its image differs from the running one';
    else if (!current) fate = 'created';
    else if (excluded) fate = options.restart ? 'unchanged (not in --only)' : 'keeps its running image (not in --only)';
    else if (imagesOf(current) !== imagesOf(object as V1Deployment)) fate = 'ROLLS (new image)';
    else fate = options.restart ? 'restarts (--restart)' : 'unchanged';
    deploy.line(`  ${name}: ${fate}`);
  }
  deploy.line(
    `then watch every rollout (deadline ${Math.round(options.timeoutMs / 1000)}s; a back-off ends it at ${options.backoff.restarts} restarts or after ${Math.round(options.backoff.graceMs / 1000)}s)`,
  );

  log.child('smoke').line(options.skipSmoke ? 'skipped (--skip-smoke)' : `one request per public route through ${options.gatewayUrl}`);
}
