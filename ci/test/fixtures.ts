// Helpers shared by the pipeline's tests: throw-away repositories on disk, the test environment's
// Kubernetes API, and the project's manifests moved into a namespace of their own.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { server } from '../../packages/testkit/src/index.ts';
import { connectKube, type Kube } from '../lib/kube.ts';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Writes files (path → content) under a new temporary folder and returns it. */
export function makeTree(files: Record<string, string>, prefix = 'shopmesh-ci-'): string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  writeTree(root, files);
  return root;
}

export function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

export function removeTree(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

/** The test environment's API server (real kube-apiserver + controllers + kwok nodes), or undefined (skip). */
export function testKube(): { kube: Kube; kubeconfig: string } | undefined {
  const kubeconfig = server('SHOPMESH_KUBECONFIG');
  if (!kubeconfig) return undefined;
  return { kube: connectKube({ kubeconfig }), kubeconfig };
}

export const uniqueName = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/**
 * The project's YAML made safe to apply beside other copies on one API server: the namespace
 * lirmm-services renamed, and fixed node ports (cluster-wide, so two copies would collide) left for
 * the API server to allocate. Everything else is the project's real YAML.
 */
export function isolateManifest(text: string, namespace: string): string {
  return text.replaceAll('lirmm-services', namespace).replace(/^\s*nodePort: \d+\s*\n/gm, '');
}

/** A copy of the repository's manifests (k8s/ and the kind config) under a temporary root, isolated. */
export function manifestsInNamespace(namespace: string): string {
  const files: Record<string, string> = {};
  const copy = (dir: string): void => {
    for (const entry of readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) copy(path);
      else if (/\.ya?ml$/.test(entry.name)) files[path] = isolateManifest(readFileSync(join(REPO_ROOT, path), 'utf8'), namespace);
    }
  };
  copy('k8s');
  files['kind-cluster-config.yaml'] = readFileSync(join(REPO_ROOT, 'kind-cluster-config.yaml'), 'utf8');
  return makeTree(files, 'shopmesh-manifests-');
}
