// Prebuilt bundles of the validator's TypeScript (the CLI, the worker threads), so that a run
// starts as plain JavaScript without a TypeScript loader. Plain JavaScript itself: the launcher
// (validate.mjs) runs it before any loader exists. A bundle is built with esbuild (a dev
// dependency) the first time it is needed and again whenever a source changes: its file name
// carries a digest of every source it is made from and of esbuild's version, so a stale bundle
// is never used. Bundles live under node_modules/.cache/ (so that their imports of packages
// resolve) and are never committed.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/* global SHOPMESH_VALIDATE_SOURCE_DIR */
const require = createRequire(import.meta.url);
/** This folder: the validator's sources (in a bundle, the folder it was built from). */
export const VALIDATE_SOURCES = typeof SHOPMESH_VALIDATE_SOURCE_DIR === 'string'
  ? SHOPMESH_VALIDATE_SOURCE_DIR
  : dirname(fileURLToPath(import.meta.url));
const SKIPPED = new Set(['test', 'bench', 'bundles', 'node_modules']);

/** Digest of the TypeScript (and .mjs) a bundle is made of: the source folder and ../lib beside it. */
function sourcesDigest(sourceDir) {
  const hash = createHash('sha256');
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !SKIPPED.has(entry.name)) walk(path);
      else if (entry.isFile() && (entry.name.endsWith('.ts') || entry.name.endsWith('.mjs'))) hash.update(path).update(readFileSync(path));
    }
  };
  [sourceDir, join(sourceDir, '../lib')].forEach(walk);
  return hash.digest('hex').slice(0, 20);
}

/**
 * Path of the bundle of `entry` (a file of ci/validate), built when missing or stale. Throws when
 * it cannot be built (no esbuild): callers fall back to running the TypeScript through tsx.
 * `options.sourceDir` and `options.cacheDir` are for tests.
 */
export function prebuilt(entry, name, options = {}) {
  const sourceDir = options.sourceDir ?? VALIDATE_SOURCES;
  const esbuildVersion = require('esbuild/package.json').version;
  const cacheDir = options.cacheDir ?? join(dirname(dirname(require.resolve('esbuild/package.json'))), '.cache', 'shopmesh-validate');
  const dir = join(cacheDir, `${name}-${sourcesDigest(sourceDir)}-${esbuildVersion}`);
  const file = join(dir, `${name}.mjs`);
  if (existsSync(file)) return file;
  const esbuild = require('esbuild'); // loaded only to build
  mkdirSync(cacheDir, { recursive: true });
  const temporary = `${dir}.${randomUUID()}.tmp`;
  try {
    esbuild.buildSync({
      entryPoints: { [name]: join(sourceDir, entry) }, outdir: temporary, outExtension: { '.js': '.mjs' },
      bundle: true, splitting: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'silent',
      // The bundle runs from the cache: tell it where its sources (and the schema bundles) are.
      define: { SHOPMESH_VALIDATE_SOURCE_DIR: JSON.stringify(sourceDir) },
    });
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    throw error;
  }
  try {
    renameSync(temporary, dir); // atomic: a concurrent run never loads half a bundle
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true });
    if (!existsSync(file)) throw error; // else another run built the same bundle first
  }
  for (const other of readdirSync(cacheDir)) {
    if (other.startsWith(`${name}-`) && join(cacheDir, other) !== dir && !other.endsWith('.tmp')) rmSync(join(cacheDir, other), { recursive: true, force: true });
  }
  return file;
}
