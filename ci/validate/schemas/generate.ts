// Regenerates the committed schema bundles in ci/validate/schemas/bundles/:
//   kubernetes.json  from Kubernetes' OpenAPI v3 documents (api/openapi-spec/v3 of the k8s.io/kubernetes
//                    Go module at K8S_VERSION of testenv/versions.env, the test control plane's version)
//   istio.json       from Istio's CRD bundle (default ../shared/corpus/istio_crd-all.gen.yaml)
// Usage: node --import tsx ci/validate/schemas/generate.ts [--istio-crds FILE] [--kubernetes-version vX.Y.Z]
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseAllManifests } from '../../lib/manifests.ts';
import { bundleFromCrds, isCrd } from './crd.ts';
import { bundleFromOpenApi } from './openapi.ts';
import type { SchemaBundle } from './types.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');

function pinnedKubernetesVersion(): string {
  const versions = readFileSync(join(repoRoot, 'testenv/versions.env'), 'utf8');
  const match = /^K8S_VERSION=(\S+)$/m.exec(versions);
  if (!match?.[1]) throw new Error('K8S_VERSION not found in testenv/versions.env');
  return match[1];
}

/** The k8s.io/kubernetes module's directory, downloaded through the Go module proxy when needed. */
function kubernetesModuleDir(version: string): string {
  const output = execFileSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`], {
    cwd: here, // outside any go.mod, so the download does not touch a module's requirements
    encoding: 'utf8',
  });
  const { Dir } = JSON.parse(output) as { Dir?: string };
  if (!Dir) throw new Error(`go mod download gave no directory for k8s.io/kubernetes@${version}`);
  return Dir;
}

/** One kind or definition per line: compact, and a schema change shows as a one-line diff. */
function formatBundle(bundle: SchemaBundle): string {
  const entries = (record: Record<string, unknown>): string =>
    Object.entries(record).map(([key, value]) => `    ${JSON.stringify(key)}: ${JSON.stringify(value)}`).join(',\n');
  return `{\n  "source": ${JSON.stringify(bundle.source)},\n  "kinds": {\n${entries(bundle.kinds)}\n  },\n  "definitions": {\n${entries(bundle.definitions)}\n  }\n}\n`;
}

function writeBundle(name: string, bundle: SchemaBundle): void {
  const file = join(here, 'bundles', name);
  writeFileSync(file, formatBundle(bundle));
  console.log(`wrote ${file}`);
}

const { values } = parseArgs({
  options: {
    'istio-crds': { type: 'string', default: resolve(repoRoot, '../shared/corpus/istio_crd-all.gen.yaml') },
    'kubernetes-version': { type: 'string' },
  },
});

const version = values['kubernetes-version'] ?? pinnedKubernetesVersion();
const specDir = join(kubernetesModuleDir(version), 'api/openapi-spec/v3');
const documents = readdirSync(specDir)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => JSON.parse(readFileSync(join(specDir, file), 'utf8')) as object);
writeBundle('kubernetes.json', bundleFromOpenApi(documents, `k8s.io/kubernetes@${version} api/openapi-spec/v3`));

const crdFile = values['istio-crds'];
const crds = parseAllManifests(readFileSync(crdFile, 'utf8')).filter(isCrd);
writeBundle('istio.json', bundleFromCrds(crds, `Istio CRDs (${crdFile.replace(`${resolve(repoRoot, '..')}/`, '')})`));
