// Deployments that must be replaced whenever another one is. Kafka keeps, in its data, the cluster
// id ZooKeeper gave it; ZooKeeper's data is in an emptyDir, so a new ZooKeeper pod means a new
// cluster id and a Kafka that crash-loops on the mismatch until its pod is replaced too. A
// Deployment annotated `shopmesh.io/rolls-with: <other Deployment>` gets, at deploy time, a hash of
// the other one's pod template as an annotation of its own pod template: whatever rolls the other
// one changes this template too, so the same apply rolls both.
import { createHash } from 'node:crypto';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';

export const ROLLS_WITH = 'shopmesh.io/rolls-with';
export const ROLLS_WITH_TEMPLATE = 'shopmesh.io/rolls-with-template';

const key = (namespace: string | undefined, name: string | undefined): string => `${namespace ?? ''}/${name ?? ''}`;

/** A short digest of a pod template (as it is applied: what a rollout compares). */
export function podTemplateHash(deployment: V1Deployment): string {
  return createHash('sha256').update(JSON.stringify(deployment.spec?.template ?? {})).digest('hex').slice(0, 16);
}

/**
 * Copies of `objects` where every Deployment annotated with ROLLS_WITH carries the pod-template hash
 * of the Deployment it names (same namespace, among `objects`). Naming a Deployment that is not
 * there is an error: the coupling would silently do nothing.
 */
export function withRollsWithHashes(objects: readonly KubernetesObject[]): KubernetesObject[] {
  const deployments = new Map(
    objects.filter((o) => o.kind === 'Deployment').map((o) => [key(o.metadata?.namespace, o.metadata?.name), o as V1Deployment]),
  );
  return objects.map((object) => {
    const companion = object.metadata?.annotations?.[ROLLS_WITH];
    if (object.kind !== 'Deployment' || !companion) return object;
    const other = deployments.get(key(object.metadata?.namespace, companion));
    if (!other) {
      throw new Error(
        `Deployment ${object.metadata?.name}: annotation ${ROLLS_WITH} names Deployment "${companion}", which is not among the applied manifests (fix the name or remove the annotation)`,
      );
    }
    const deployment = object as V1Deployment;
    const template = deployment.spec?.template ?? {};
    return {
      ...deployment,
      spec: {
        ...deployment.spec,
        template: {
          ...template,
          metadata: {
            ...template.metadata,
            annotations: { ...template.metadata?.annotations, [ROLLS_WITH_TEMPLATE]: podTemplateHash(other) },
          },
        },
      },
    } as KubernetesObject;
  });
}
