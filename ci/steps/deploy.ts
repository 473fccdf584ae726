// deploy: server-side apply (one field manager) of the infrastructure, a wait until it is ready, then
// the services (image placeholders replaced by input-digest tags), the Istio resources and, with
// --with-lab, the lab's controller; then a watch on every rollout. An unchanged Deployment is a
// no-op for the API server, so only Deployments whose image changed roll; --restart forces one.
import { join } from 'node:path';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { applyObjects, type AppliedObject } from '../lib/apply.ts';
import { applyImageMap, unusedEntries, type ImageMap, type ImageReplacement } from '../lib/image-map.ts';
import { containersOf, podSpecOf, withImageRefs } from '../lib/images.ts';
import { describePlacement, isEmptyPlacement, withPlacement, type Placement } from '../lib/placement.ts';
import type { PlannedImage } from '../lib/image-sources.ts';
import { LAB_MANIFEST } from '../lib/image-sources.ts';
import { apiErrorMessage, type Kube } from '../lib/kube.ts';
import type { Log } from '../lib/log.ts';
import { loadManifests } from '../lib/manifests.ts';
import { withRollsWithHashes } from '../lib/rolls-with.ts';
import { waitForRollouts, type WorkloadRef } from '../lib/rollout.ts';
import { WORKLOAD_KINDS, type BackoffPolicy, type WorkloadKind } from '../lib/workloads.ts';
import { FIELD_MANAGER, IMAGE_REPOSITORY_PREFIX } from '../lib/versions.ts';

export const INFRA_MANIFESTS = 'k8s/infra-manifests.yaml';
export const APP_MANIFESTS = 'k8s/app-manifests.yaml';
export const ISTIO_MANIFESTS = 'k8s/istio';
export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'StorageClass',
  'PersistentVolume',
  'PriorityClass',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
]);

/** Objects without a namespace go to the pipeline's namespace (not the kubeconfig's default). */
export function withDefaultNamespace(objects: readonly KubernetesObject[], namespace: string): KubernetesObject[] {
  return objects.map((object) =>
    object.metadata?.namespace || CLUSTER_SCOPED_KINDS.has(object.kind ?? '')
      ? object
      : { ...object, metadata: { ...object.metadata, namespace } },
  );
}

export async function loadObjects(root: string, paths: readonly string[], namespace: string): Promise<KubernetesObject[]> {
  const loaded = await loadManifests(paths.map((path) => join(root, path)));
  return withDefaultNamespace(
    loaded.map((manifest) => manifest.object as KubernetesObject),
    namespace,
  );
}

export function workloadsOf(objects: readonly KubernetesObject[]): WorkloadRef[] {
  return objects
    .filter((object) => WORKLOAD_KINDS.includes(object.kind as WorkloadKind))
    .map((object) => ({
      kind: object.kind as WorkloadKind,
      namespace: object.metadata?.namespace ?? '',
      name: object.metadata?.name ?? '',
    }));
}

/** The `app` label of a Deployment's pods: the service it runs. */
function appOf(object: KubernetesObject): string | undefined {
  return (object as V1Deployment).spec?.template.metadata?.labels?.app;
}

/** Did the apply change the pod template (a new ReplicaSet, so a rollout)? */
export function podTemplateChanged(applied: AppliedObject): boolean {
  if (applied.after.kind !== 'Deployment') return false;
  if (!applied.before) return true;
  const template = (object: KubernetesObject): string => JSON.stringify((object as V1Deployment).spec?.template ?? {});
  return template(applied.before) !== template(applied.after);
}

/**
 * Image reference of every placeholder name: the planned (digest-tagged) one, except, with --only,
 * for services left out, which keep the image they run now (they were not built this time).
 */
export async function resolveImageRefs(
  kube: Kube,
  images: readonly PlannedImage[],
  only: readonly string[] | undefined,
  namespace: string,
  log: Log,
): Promise<Map<string, string>> {
  const refs = new Map(images.map((image) => [image.name, image.ref]));
  if (!only) return refs;
  const running = new Map<string, string>();
  const deployments = await kube.apps.listNamespacedDeployment({ namespace });
  for (const deployment of deployments.items) {
    const spec = podSpecOf(deployment as KubernetesObject);
    for (const container of spec ? containersOf(spec) : []) {
      const match = new RegExp(`(?:^|/)${IMAGE_REPOSITORY_PREFIX}/([a-z0-9-]+):([^:/]+)$`).exec(container.image ?? '');
      if (match?.[1]) running.set(match[1], container.image ?? '');
    }
  }
  for (const image of images) {
    if (only.includes(image.name)) continue;
    const current = running.get(image.name);
    if (current) refs.set(image.name, current);
    else log.line(`${image.name} is not running yet: deploying ${image.ref} although it is not in --only`);
  }
  return refs;
}

export interface DeployStageInput {
  kube: Kube;
  log: Log;
  root: string;
  namespace: string;
  images: readonly PlannedImage[];
  only: readonly string[] | undefined;
  restart: boolean;
  withLab: boolean;
  timeoutMs: number;
  /** Default DEFAULT_BACKOFF (ci/lib/workloads.ts). */
  backoff?: BackoffPolicy;
  /** Image overrides (--image-map), applied to every manifest before it is applied. */
  imageMap?: ImageMap | undefined;
  /** Node selector and tolerations added to every workload's pods. */
  placement?: Placement | undefined;
}

export interface DeployStageResult {
  rolled: string[];
  restarted: string[];
  applied: AppliedObject[];
}

function reportApplied(log: Log, label: string, applied: readonly AppliedObject[]): void {
  for (const item of applied) if (item.outcome !== 'unchanged') log.line(`${item.id} ${item.outcome}`);
  const count = (outcome: string): number => applied.filter((item) => item.outcome === outcome).length;
  log.line(
    `${label}: ${applied.length} objects applied (${count('created')} created, ${count('configured')} configured, ${count('unchanged')} unchanged)`,
  );
}

/** `kubectl rollout restart`: a new restartedAt annotation on the pod template. */
export async function restartDeployments(kube: Kube, names: readonly string[], namespace: string): Promise<void> {
  const now = new Date().toISOString();
  for (const name of names) {
    // A merge patch (an Update by the same manager, not part of its applied configuration): the
    // next server-side apply neither owns nor removes the annotation, so it does not roll again.
    const patch = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
      spec: { template: { metadata: { annotations: { [RESTARTED_AT]: now } } } },
    };
    try {
      await kube.objects.patch(patch, undefined, undefined, FIELD_MANAGER, undefined, 'application/merge-patch+json');
    } catch (error) {
      throw new Error(`cannot restart Deployment ${name}: ${apiErrorMessage(error)}`);
    }
  }
}

export async function runDeployStage(input: DeployStageInput): Promise<DeployStageResult> {
  const { kube, log, root, namespace } = input;
  const replacements: ImageReplacement[] = [];
  if (!isEmptyPlacement(input.placement) && input.placement) log.line(`every workload's pods get ${describePlacement(input.placement)}`);
  const mapImages = (objects: KubernetesObject[]): KubernetesObject[] => {
    const mapped = applyImageMap(withPlacement(objects, input.placement), input.imageMap);
    for (const item of mapped.replacements) log.line(`image map: ${item.object} container ${item.container}: ${item.from} -> ${item.to}`);
    replacements.push(...mapped.replacements);
    return mapped.objects;
  };
  // Kafka carries a hash of ZooKeeper's pod template (as applied, after the image map), so a new
  // ZooKeeper pod brings a new Kafka pod.
  const infra = withRollsWithHashes(mapImages(await loadObjects(root, [INFRA_MANIFESTS], namespace)));
  const infraApplied = await applyObjects(kube, infra);
  reportApplied(log, 'infra', infraApplied);
  log.line('waiting for the infrastructure to be ready');
  await waitForRollouts(kube, workloadsOf(infra), { deadlineMs: input.timeoutMs, log, ...(input.backoff ? { backoff: input.backoff } : {}) });

  const refs = await resolveImageRefs(kube, input.images, input.only, namespace, log);
  const appPaths = [APP_MANIFESTS, ISTIO_MANIFESTS, ...(input.withLab ? [LAB_MANIFEST] : [])];
  const apps = withRollsWithHashes(mapImages(withImageRefs(await loadObjects(root, appPaths, namespace), refs)));
  for (const entry of unusedEntries(input.imageMap, replacements)) {
    log.line(`image map ${input.imageMap?.file}:${entry.line}: warning: no container of the manifests uses ${entry.from}`);
  }
  const appsApplied = await applyObjects(kube, apps);
  reportApplied(log, 'services and Istio', appsApplied);
  const rolled = appsApplied.filter(podTemplateChanged).map((item) => item.after.metadata?.name ?? '');
  log.line(rolled.length > 0 ? `rolling: ${rolled.join(', ')}` : 'no Deployment changed: nothing rolls');

  let restarted: string[] = [];
  if (input.restart) {
    restarted = apps
      .filter((object) => object.kind === 'Deployment')
      .filter((object) => !input.only || input.only.includes(appOf(object) ?? ''))
      .map((object) => object.metadata?.name ?? '')
      .filter((name) => !rolled.includes(name));
    await restartDeployments(kube, restarted, namespace);
    if (restarted.length > 0) log.line(`restarted: ${restarted.join(', ')}`);
  }

  log.line('waiting for every rollout');
  await waitForRollouts(kube, workloadsOf(apps), { deadlineMs: input.timeoutMs, log, ...(input.backoff ? { backoff: input.backoff } : {}) });
  return { rolled, restarted, applied: [...infraApplied, ...appsApplied] };
}
