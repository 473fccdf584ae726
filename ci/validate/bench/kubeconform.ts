// kubeconform, the baseline of the benchmark: built from its Go module (cached), and given JSON
// schemas written from the same bundles our validator uses, in the layouts it reads.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SchemaRegistry } from '../schemas/registry.ts';
import type { JsonSchema } from '../schemas/types.ts';

export const KUBECONFORM_MODULE = 'github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0';

const cacheDir = (): string => process.env.SHOPMESH_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'shopmesh');

/** Path of the kubeconform binary, built with `go install` into the cache the first time. */
export function ensureKubeconform(log: (line: string) => void): string {
  const bin = join(cacheDir(), 'bin');
  const binary = join(bin, 'kubeconform');
  if (existsSync(binary)) return binary;
  log(`building ${KUBECONFORM_MODULE} into ${bin} (once)`);
  mkdirSync(bin, { recursive: true });
  execFileSync('go', ['install', KUBECONFORM_MODULE], { env: { ...process.env, GOBIN: bin }, stdio: 'inherit' });
  return binary;
}

const REF_PREFIX = '#/definitions/';

/** The definitions a root refers to, directly or not. */
export function reachableDefinitions(definitions: Record<string, JsonSchema>, root: string): Record<string, JsonSchema> {
  const reached: Record<string, JsonSchema> = {};
  const pending = [root];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (name in reached || !(name in definitions)) continue;
    const schema = definitions[name]!;
    reached[name] = schema;
    JSON.stringify(schema, (key, value: unknown) => {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) pending.push(value.slice(REF_PREFIX.length));
      return value;
    });
  }
  return reached;
}

/**
 * Writes one standalone schema per kind: built-in kinds as `{{.ResourceKind}}{{.KindSuffix}}.json`
 * (kubeconform's default layout), the others (Istio, kind) in the CRD catalog layout
 * `{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`. Returns the -schema-location values.
 */
export function writeKubeconformSchemas(dir: string, registry: SchemaRegistry, kinds: Iterable<string>): string[] {
  const builtInDir = join(dir, 'kubernetes');
  const catalogDir = join(dir, 'catalog');
  for (const key of kinds) {
    const slash = key.lastIndexOf('/');
    const apiVersion = key.slice(0, slash);
    const kind = key.slice(slash + 1);
    const root = registry.definitionFor(apiVersion, kind);
    if (root === undefined) continue;
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') as [string, string] : ['', apiVersion];
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      $ref: `${REF_PREFIX}${root}`,
      definitions: reachableDefinitions(registry.definitions, root),
    };
    const isBuiltIn = root.startsWith('io.k8s.');
    const file = isBuiltIn
      ? join(builtInDir, `${kind.toLowerCase()}-${group === '' ? '' : `${group.split('.')[0]!.toLowerCase()}-`}${version.toLowerCase()}.json`)
      : join(catalogDir, group, `${kind.toLowerCase()}_${version}.json`);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, JSON.stringify(schema));
  }
  return [
    join(builtInDir, '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
    join(catalogDir, '{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json'),
  ];
}
