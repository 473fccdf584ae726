// Server-side apply of a list of objects with one field manager, telling for each whether the API
// server created it, changed it, or found nothing to change (same resourceVersion: a no-op).
import type { KubernetesObject } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { apiErrorMessage, isStatus, type Kube } from './kube.ts';
import { FIELD_MANAGER } from './versions.ts';

export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

export interface AppliedObject {
  /** `Kind/namespace/name` (or `Kind/name` for cluster-scoped objects). */
  id: string;
  outcome: ApplyOutcome;
  before: KubernetesObject | undefined;
  after: KubernetesObject;
}

export class ApplyError extends Error {}

export function objectId(object: KubernetesObject): string {
  const namespace = object.metadata?.namespace;
  return [object.kind ?? '?', ...(namespace ? [namespace] : []), object.metadata?.name ?? '?'].join('/');
}

/**
 * Apply order, like Helm's install order: what other objects need exists before them. Namespaces and
 * CRDs first; then what pods reference (a ReplicaSet whose ServiceAccount or Secret is missing fails
 * to create pods and backs off); then everything else. Objects of one tier are applied in parallel.
 */
const TIERS: readonly (ReadonlySet<string> | undefined)[] = [
  new Set(['Namespace', 'CustomResourceDefinition']),
  new Set([
    'ServiceAccount', 'Secret', 'ConfigMap', 'PersistentVolumeClaim', 'StorageClass', 'PriorityClass',
    'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding', 'ResourceQuota', 'LimitRange',
  ]),
  undefined,
];

function tierOf(object: KubernetesObject): number {
  const index = TIERS.findIndex((kinds) => kinds === undefined || kinds.has(object.kind ?? ''));
  return index < 0 ? TIERS.length - 1 : index;
}

export interface ApplyOptions {
  fieldManager?: string;
  concurrency?: number;
  /** Called after each object, for progress lines. */
  onApplied?: (applied: AppliedObject) => void;
}

export async function applyObjects(
  kube: Kube,
  objects: readonly KubernetesObject[],
  options: ApplyOptions = {},
): Promise<AppliedObject[]> {
  const limit = pLimit(options.concurrency ?? 8);
  const results: AppliedObject[] = [];
  for (const [tier] of TIERS.entries()) {
    const batch = objects.filter((object) => tierOf(object) === tier);
    results.push(...(await Promise.all(batch.map((object) => limit(() => applyOne(kube, object, options))))));
  }
  return results;
}

async function applyOne(kube: Kube, object: KubernetesObject, options: ApplyOptions): Promise<AppliedObject> {
  const id = objectId(object);
  const header = {
    apiVersion: object.apiVersion ?? 'v1',
    kind: object.kind ?? '',
    metadata: { name: object.metadata?.name ?? '', namespace: object.metadata?.namespace },
  };
  let before: KubernetesObject | undefined;
  try {
    before = await kube.objects.read(header);
  } catch (error) {
    if (!isStatus(error, 404)) throw new ApplyError(`${id}: cannot read it: ${apiErrorMessage(error)}`);
  }
  let after: KubernetesObject;
  try {
    // The object is patched as given (a copy: the client fills in a default namespace).
    after = await kube.objects.applyAsWritten(structuredClone(object), options.fieldManager ?? FIELD_MANAGER);
  } catch (error) {
    throw new ApplyError(`${id}: server-side apply refused: ${apiErrorMessage(error)}`);
  }
  const outcome: ApplyOutcome =
    before === undefined
      ? 'created'
      : before.metadata?.resourceVersion === after.metadata?.resourceVersion
        ? 'unchanged'
        : 'configured';
  const applied = { id, outcome, before, after };
  options.onApplied?.(applied);
  return applied;
}
