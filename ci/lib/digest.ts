// Input-digest image tags: an image is named by the hash of everything its Dockerfile build reads,
// so a deploy rolls exactly the Deployments whose inputs changed (Skaffold's `inputDigest`).
//
// What counts as an input of services/<name>/Dockerfile (built with the repository root as context):
//   - the service folder, the shared workspace packages (packages/*) and the root files the build
//     copies (package.json, package-lock.json, tsconfig*.json, .dockerignore, .npmrc);
//   - the build arguments (NODE_IMAGE: another base image is another image).
// Left out because they never change what runs: node_modules/ and dist/ (the build makes them
// inside the image), test/ folders (tests are not part of an image) and .git.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { IMAGE_REPOSITORY_PREFIX } from './versions.ts';

export const IGNORED_DIRECTORIES: ReadonlySet<string> = new Set(['node_modules', 'dist', 'test', '.git', 'coverage']);
export const ROOT_INPUT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.base.json', '.dockerignore', '.npmrc'];
export const TAG_LENGTH = 12;

/** path (relative to root, `/`-separated) → sha256 of the content, for every input file under dir. */
function hashTree(root: string, dir: string, into: Map<string, string>): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const key = relative(root, path).split(sep).join('/');
    if (entry.isDirectory()) {
      if (!IGNORED_DIRECTORIES.has(entry.name)) hashTree(root, path, into);
    } else if (entry.isSymbolicLink()) {
      into.set(key, `link:${readlinkSync(path)}`);
    } else if (entry.isFile()) {
      const executable = (lstatSync(path).mode & 0o111) !== 0 ? 'x' : '-';
      into.set(key, `${executable}${createHash('sha256').update(readFileSync(path)).digest('hex')}`);
    }
  }
}

function combine(parts: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256');
  for (const key of [...parts.keys()].sort()) hash.update(`${key}\0${parts.get(key)}\n`);
  return hash.digest('hex');
}

/** Hash of what every image shares: root files and packages/*. Computed once per run. */
export function sharedInputsDigest(root: string): string {
  const files = new Map<string, string>();
  for (const name of ROOT_INPUT_FILES) {
    const path = join(root, name);
    if (existsSync(path)) files.set(name, createHash('sha256').update(readFileSync(path)).digest('hex'));
  }
  hashTree(root, join(root, 'packages'), files);
  return combine(files);
}

/** Hash of one image's inputs: the shared digest, its own folder and the build arguments. */
export function imageInputDigest(
  root: string,
  folder: string,
  sharedDigest: string,
  buildArgs: Readonly<Record<string, string>> = {},
): string {
  const parts = new Map<string, string>();
  hashTree(root, join(root, folder), parts);
  parts.set('\0shared', sharedDigest);
  parts.set('\0folder', folder);
  for (const [name, value] of Object.entries(buildArgs)) parts.set(`\0arg:${name}`, value);
  return combine(parts);
}

/** `shopmesh/<name>:<first 12 hex of the digest>` (never :latest). */
export function imageTag(name: string, digest: string): string {
  return `${IMAGE_REPOSITORY_PREFIX}/${name}:${digest.slice(0, TAG_LENGTH)}`;
}
