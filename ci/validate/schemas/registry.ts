// The schemas the validator knows: Kubernetes' built-in kinds, Istio's kinds and kind's cluster
// configuration, merged into one set of definitions.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VALIDATE_DIR } from '../source-dir.ts';
import { kindClusterBundle } from './kind-cluster.ts';
import type { JsonSchema, SchemaBundle } from './types.ts';

const BUNDLE_FILES = ['kubernetes.json', 'istio.json'];

export interface SchemaRegistry {
  /** Name of the root definition for a kind, or undefined when no schema is known. */
  definitionFor(apiVersion: string, kind: string): string | undefined;
  /** Every `apiVersion/kind` with a schema. */
  kindKeys(): IterableIterator<string>;
  /** Whether some kind of this apiVersion is known (then an unknown kind is a mistake, not a CRD). */
  knowsApiVersion(apiVersion: string): boolean;
  definitions: Record<string, JsonSchema>;
  /** Where each bundle comes from, in load order. */
  sources: string[];
  /** Changes whenever any schema does (a key for caches of compiled validators). */
  fingerprint: string;
}

export function registryFromBundles(bundles: SchemaBundle[], fingerprint?: string): SchemaRegistry {
  // apiVersion -> kind -> definition: looked up once per document, without building a key string.
  const kinds = new Map<string, Map<string, string>>();
  const definitions: Record<string, JsonSchema> = {};
  for (const bundle of bundles) {
    for (const [key, name] of Object.entries(bundle.kinds)) {
      const apiVersion = key.slice(0, key.lastIndexOf('/'));
      let ofVersion = kinds.get(apiVersion);
      if (!ofVersion) kinds.set(apiVersion, (ofVersion = new Map()));
      ofVersion.set(key.slice(apiVersion.length + 1), name);
    }
    Object.assign(definitions, bundle.definitions);
  }
  return {
    definitionFor: (apiVersion, kind) => kinds.get(apiVersion)?.get(kind),
    knowsApiVersion: (apiVersion) => kinds.has(apiVersion),
    *kindKeys() {
      for (const [apiVersion, ofVersion] of kinds) for (const kind of ofVersion.keys()) yield `${apiVersion}/${kind}`;
    },
    definitions,
    sources: bundles.map((bundle) => bundle.source),
    fingerprint: fingerprint ?? createHash('sha256').update(JSON.stringify(definitions)).digest('hex'),
  };
}

/** Where the committed bundles are (regenerate them with schemas/generate.ts). */
export const BUILT_IN_BUNDLES = pathToFileURL(join(VALIDATE_DIR, 'schemas', 'bundles', '/')).href;

const builtIn = new Map<string, SchemaRegistry>();

/** The committed bundles plus kind's cluster config; `bundlesDir` for code bundled elsewhere. */
export function builtInRegistry(bundlesDir: string = BUILT_IN_BUNDLES): SchemaRegistry {
  let registry = builtIn.get(bundlesDir);
  if (!registry) {
    const texts = BUNDLE_FILES.map((name) => readFileSync(new URL(name, bundlesDir), 'utf8'));
    const fingerprint = createHash('sha256').update(texts.join('\n')).update(JSON.stringify(kindClusterBundle)).digest('hex');
    registry = registryFromBundles([...texts.map((text) => JSON.parse(text) as SchemaBundle), kindClusterBundle], fingerprint);
    builtIn.set(bundlesDir, registry);
  }
  return registry;
}
