// The schemas the validator knows: Kubernetes' built-in kinds, Istio's kinds and kind's cluster
// configuration, merged into one set of definitions.
import { readFileSync } from 'node:fs';
import { kindClusterBundle } from './kind-cluster.ts';
import { kindKey, type JsonSchema, type SchemaBundle } from './types.ts';

const BUNDLE_FILES = ['kubernetes.json', 'istio.json'];

export interface SchemaRegistry {
  /** Name of the root definition for a kind, or undefined when no schema is known. */
  definitionFor(apiVersion: string, kind: string): string | undefined;
  /** Whether some kind of this apiVersion is known (then an unknown kind is a mistake, not a CRD). */
  knowsApiVersion(apiVersion: string): boolean;
  definitions: Record<string, JsonSchema>;
  /** Where each bundle comes from, in load order. */
  sources: string[];
}

export function registryFromBundles(bundles: SchemaBundle[]): SchemaRegistry {
  const kinds = new Map<string, string>();
  const apiVersions = new Set<string>();
  const definitions: Record<string, JsonSchema> = {};
  for (const bundle of bundles) {
    for (const [key, name] of Object.entries(bundle.kinds)) {
      kinds.set(key, name);
      apiVersions.add(key.slice(0, key.lastIndexOf('/')));
    }
    Object.assign(definitions, bundle.definitions);
  }
  return {
    definitionFor: (apiVersion, kind) => kinds.get(kindKey(apiVersion, kind)),
    knowsApiVersion: (apiVersion) => apiVersions.has(apiVersion),
    definitions,
    sources: bundles.map((bundle) => bundle.source),
  };
}

export function loadBundle(name: string): SchemaBundle {
  return JSON.parse(readFileSync(new URL(`./bundles/${name}`, import.meta.url), 'utf8')) as SchemaBundle;
}

let builtIn: SchemaRegistry | undefined;

/** The committed bundles (regenerate them with schemas/generate.ts) plus kind's cluster config. */
export function builtInRegistry(): SchemaRegistry {
  builtIn ??= registryFromBundles([...BUNDLE_FILES.map(loadBundle), kindClusterBundle]);
  return builtIn;
}
