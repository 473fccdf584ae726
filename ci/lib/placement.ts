// Pod placement given on the command line (--node-selector KEY=VALUE, --toleration KEY=VALUE:EFFECT):
// added to the pod template of every workload when it is applied, the manifest files untouched.
// For clusters whose nodes for the shop are labelled and tainted (a dedicated node pool).
import type { KubernetesObject, V1Toleration } from '@kubernetes/client-node';
import { podSpecOf } from './images.ts';

export interface Placement {
  nodeSelector: Record<string, string>;
  tolerations: V1Toleration[];
}

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export class PlacementError extends Error {}

/** `key=value` → [key, value]. */
export function parseNodeSelector(text: string): [string, string] {
  const match = /^([^=]+)=(.*)$/.exec(text);
  if (!match?.[1] || !LABEL_KEY.test(match[1])) throw new PlacementError(`--node-selector: "${text}" is not KEY=VALUE (a label)`);
  return [match[1], match[2] ?? ''];
}

/** `key=value:Effect` or `key:Effect` (operator Exists). */
export function parseToleration(text: string): V1Toleration {
  const match = /^([^=:]+)(?:=([^:]*))?:([A-Za-z]+)$/.exec(text);
  if (!match?.[1] || !LABEL_KEY.test(match[1]) || !EFFECTS.includes(match[3] ?? '')) {
    throw new PlacementError(`--toleration: "${text}" is not KEY=VALUE:EFFECT or KEY:EFFECT (effects: ${EFFECTS.join(', ')})`);
  }
  return match[2] === undefined
    ? { key: match[1], operator: 'Exists', effect: match[3] }
    : { key: match[1], operator: 'Equal', value: match[2], effect: match[3] };
}

export const isEmptyPlacement = (placement: Placement | undefined): boolean =>
  !placement || (Object.keys(placement.nodeSelector).length === 0 && placement.tolerations.length === 0);

/** Copies of the objects whose pod templates also carry the placement (existing entries kept). */
export function withPlacement(objects: readonly KubernetesObject[], placement: Placement | undefined): KubernetesObject[] {
  if (!placement || isEmptyPlacement(placement)) return [...objects];
  return objects.map((original) => {
    const object = structuredClone(original);
    const spec = podSpecOf(object);
    if (!spec) return object;
    if (Object.keys(placement.nodeSelector).length > 0) spec.nodeSelector = { ...spec.nodeSelector, ...placement.nodeSelector };
    const same = (a: V1Toleration, b: V1Toleration): boolean => JSON.stringify(a) === JSON.stringify(b);
    const extra = placement.tolerations.filter((toleration) => !(spec.tolerations ?? []).some((existing) => same(existing, toleration)));
    if (extra.length > 0) spec.tolerations = [...(spec.tolerations ?? []), ...extra];
    return object;
  });
}

export function describePlacement(placement: Placement): string {
  const selector = Object.entries(placement.nodeSelector).map(([key, value]) => `${key}=${value}`);
  const tolerations = placement.tolerations.map((t) => `${t.key}${t.operator === 'Equal' ? `=${t.value}` : ''}:${t.effect}`);
  return [selector.length ? `nodeSelector ${selector.join(', ')}` : '', tolerations.length ? `tolerations ${tolerations.join(', ')}` : '']
    .filter(Boolean)
    .join('; ');
}
