// Kubernetes' OpenAPI v3 documents (api/openapi-spec/v3 in the k8s.io/kubernetes module) to a bundle.
import { toStrictSchema } from './strict.ts';
import { kindKey, type JsonSchema, type SchemaBundle } from './types.ts';

interface GroupVersionKind { group: string; version: string; kind: string }
interface OpenApiDocument { components?: { schemas?: Record<string, JsonSchema> } }

const COMPONENT_PREFIX = '#/components/schemas/';
const rewriteRef = (ref: string): string =>
  ref.startsWith(COMPONENT_PREFIX) ? `#/definitions/${ref.slice(COMPONENT_PREFIX.length)}` : ref;

/** Kinds that are API plumbing rather than objects anyone writes in a manifest. */
const PLUMBING_KINDS = new Set(['WatchEvent', 'DeleteOptions', 'Status', 'APIGroup', 'APIGroupList',
  'APIResourceList', 'APIVersions', 'Eviction', 'Scale', 'TokenRequest', 'Binding']);

export function bundleFromOpenApi(documents: OpenApiDocument[], source: string): SchemaBundle {
  const components: Record<string, JsonSchema> = {};
  for (const document of documents) Object.assign(components, document.components?.schemas ?? {});

  const kinds: Record<string, string> = {};
  for (const [name, schema] of Object.entries(components)) {
    const gvks = schema['x-kubernetes-group-version-kind'] as GroupVersionKind[] | undefined;
    // A schema listing several GVKs is a shared options type (DeleteOptions, WatchEvent ...).
    if (!gvks || gvks.length !== 1) continue;
    const [{ group, version, kind }] = gvks as [GroupVersionKind];
    if (PLUMBING_KINDS.has(kind)) continue;
    kinds[kindKey(group === '' ? version : `${group}/${version}`, kind)] = name;
  }
  const definitions = Object.fromEntries(
    Object.entries(components).map(([name, schema]) => [name, toStrictSchema(schema, { rewriteRef })]),
  );
  return { source, kinds: sortKeys(kinds), definitions: sortKeys(definitions) };
}

export function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
