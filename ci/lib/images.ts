// Image references in manifests: `shopmesh/<name>:dev` is a placeholder that the pipeline replaces,
// at apply time, with the input-digest tag of the image it built (pushed to a registry or not).
import type { KubernetesObject, V1Container, V1PodSpec } from '@kubernetes/client-node';
import { isRecord } from './records.ts'; // not kube.ts: the validator imports this module and must not load the client
import type { ImageTarget } from './options.ts';
import { IMAGE_REPOSITORY_PREFIX, MANIFEST_IMAGE_TAG } from './versions.ts';

const PLACEHOLDER = new RegExp(`^${IMAGE_REPOSITORY_PREFIX}/([a-z0-9][a-z0-9-]*):${MANIFEST_IMAGE_TAG}$`);

/** The image name in a placeholder reference (`shopmesh/cart-service:dev` → `cart-service`). */
export function placeholderName(image: string): string | undefined {
  return PLACEHOLDER.exec(image)?.[1];
}

/** The pod spec of a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod). */
export function podSpecOf(object: KubernetesObject): V1PodSpec | undefined {
  const spec = (object as { spec?: unknown }).spec;
  if (!isRecord(spec)) return undefined;
  if (object.kind === 'Pod') return spec as unknown as V1PodSpec;
  const template = object.kind === 'CronJob' ? readPath(spec, ['jobTemplate', 'spec', 'template']) : spec.template;
  return isRecord(template) && isRecord(template.spec) ? (template.spec as unknown as V1PodSpec) : undefined;
}

function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) current = isRecord(current) ? current[key] : undefined;
  return current;
}

export function containersOf(spec: V1PodSpec): V1Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** Names of the placeholder images the objects use, e.g. {auth-service, cart-service}. */
export function placeholderImageNames(objects: readonly KubernetesObject[]): Set<string> {
  const names = new Set<string>();
  for (const object of objects) {
    const spec = podSpecOf(object);
    for (const container of spec ? containersOf(spec) : []) {
      const name = placeholderName(container.image ?? '');
      if (name) names.add(name);
    }
  }
  return names;
}

export class MissingImageError extends Error {}

/** Copies of the objects with every placeholder replaced by refs.get(name). */
export function withImageRefs(
  objects: readonly KubernetesObject[],
  refs: ReadonlyMap<string, string>,
): KubernetesObject[] {
  return objects.map((original) => {
    const object = structuredClone(original);
    const spec = podSpecOf(object);
    for (const container of spec ? containersOf(spec) : []) {
      const name = placeholderName(container.image ?? '');
      if (name === undefined) continue;
      const ref = refs.get(name);
      if (ref === undefined) {
        throw new MissingImageError(
          `${object.kind}/${object.metadata?.name} container ${container.name} uses ${container.image}, ` +
            `but no image named ${name} was built (is there a services/${name}/Dockerfile?)`,
        );
      }
      container.image = ref;
    }
    return object;
  });
}

/** Where the cluster pulls a locally tagged image from: as it is for kind, under the registry otherwise. */
export function imageRefForTarget(tag: string, target: ImageTarget): string {
  return target.kind === 'registry' ? `${target.registry}/${tag}` : tag;
}
