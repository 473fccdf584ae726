// CustomResourceDefinitions (apiextensions.k8s.io/v1) to a bundle: one root per served version.
import { createHash } from 'node:crypto';
import { sortKeys } from './openapi.ts';
import { toStrictSchema } from './strict.ts';
import { kindKey, type JsonSchema, type SchemaBundle } from './types.ts';

export const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

interface CrdVersion { name: string; served?: boolean; schema?: { openAPIV3Schema?: JsonSchema } }
interface Crd {
  kind?: unknown;
  spec?: { group: string; names: { kind: string }; versions?: CrdVersion[] };
}

export function isCrd(value: unknown): value is Crd {
  return typeof value === 'object' && value !== null && (value as Crd).kind === 'CustomResourceDefinition';
}

/**
 * Every custom resource implicitly has apiVersion, kind and metadata (ObjectMeta), which CRDs do not
 * list. The bundle refers to ObjectMeta by name: merge it with a bundle that defines it.
 */
export function bundleFromCrds(crds: Crd[], source: string): SchemaBundle {
  const kinds: Record<string, string> = {};
  const definitions: Record<string, JsonSchema> = {};
  const nameByDigest = new Map<string, string>();
  for (const crd of crds) {
    const spec = crd.spec;
    if (!spec) continue;
    for (const version of spec.versions ?? []) {
      const root = version.schema?.openAPIV3Schema;
      if (!root || version.served === false) continue;
      const withObjectFields: JsonSchema = {
        ...root,
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { $ref: `#/definitions/${OBJECT_META}` },
          ...(root.properties as Record<string, JsonSchema> | undefined),
        },
      };
      const strict = toStrictSchema(withObjectFields, { keepCrdRules: true });
      // Istio serves identical schemas under several versions: store each distinct schema once.
      const digest = createHash('sha256').update(JSON.stringify(strict)).digest('hex');
      let name = nameByDigest.get(digest);
      if (name === undefined) {
        name = `${spec.group}.${version.name}.${spec.names.kind}`;
        nameByDigest.set(digest, name);
        definitions[name] = strict;
      }
      kinds[kindKey(`${spec.group}/${version.name}`, spec.names.kind)] = name;
    }
  }
  return { source, kinds: sortKeys(kinds), definitions: sortKeys(definitions) };
}
