// A Kubernetes object read from a manifest, with what is needed to point at its fields.
import type { DocumentSource, FieldPath } from '../lib/manifests.ts';
import { isRecord } from '../lib/records.ts';

export type KubeObject = Record<string, unknown>;

export interface Resource {
  file: string;
  source: DocumentSource;
  apiVersion: string;
  kind: string;
  name: string;
  /** metadata.namespace as written (undefined when absent). */
  namespace: string | undefined;
  object: KubeObject;
  /** Where the object is in its document when it is an item of a `kind: List` (`['items', 2]`). */
  basePath?: FieldPath;
}

export const resourceLabel = (resource: Pick<Resource, 'kind' | 'name'>): string =>
  `${resource.kind}/${resource.name === '' ? '?' : resource.name}`;

export { isRecord };

/** Reads a nested field: `field(object, 'spec', 'template')`; undefined when any step is missing. */
export function field(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const segment of path) {
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) return undefined;
      current = current[segment];
    } else {
      if (!isRecord(current)) return undefined;
      current = current[segment];
    }
  }
  return current;
}

export const asRecord = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
export const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
export const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A map of string values (labels, selectors, annotations); other values are left out. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(asRecord(value))) if (typeof entry === 'string') out[key] = entry;
  return out;
}
