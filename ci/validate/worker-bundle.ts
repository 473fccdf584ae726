// The worker threads' entry. Loader hooks of this thread (tsx) do not reach workers, and
// registering tsx in each worker costs more than a second of start-up, so the worker module and
// its imports are bundled once into plain JavaScript with esbuild (a dependency of tsx), cached
// under node_modules/.cache/ (so that its imports of packages still resolve) and keyed by the
// sources. Without esbuild, or if the bundle cannot be written, workers register tsx themselves.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const WORKER_SOURCE = fileURLToPath(new URL('./worker.ts', import.meta.url));
/** Folders whose TypeScript the worker imports (itself and ci/lib). */
const SOURCE_DIRS = [dirname(WORKER_SOURCE), fileURLToPath(new URL('../lib/', import.meta.url))];

interface Esbuild {
  buildSync(options: Record<string, unknown>): unknown;
}

function sourcesDigest(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !['test', 'bench', 'bundles'].includes(entry.name)) walk(path);
      else if (entry.isFile() && entry.name.endsWith('.ts')) hash.update(path).update(readFileSync(path));
    }
  };
  SOURCE_DIRS.forEach(walk);
  return hash.digest('hex').slice(0, 20);
}

/** Path of the bundled worker, built when the sources changed; undefined when it cannot be. */
export function bundledWorker(): string | undefined {
  try {
    const esbuildVersion = (require('esbuild/package.json') as { version: string }).version;
    const packageDir = dirname(require.resolve('ajv/package.json'));
    const cacheDir = join(dirname(packageDir), '.cache', 'shopmesh-validate');
    const file = join(cacheDir, `worker-${sourcesDigest()}-${esbuildVersion}.mjs`);
    if (existsSync(file)) return file;
    const esbuild = require('esbuild') as Esbuild; // loaded only to build
    mkdirSync(cacheDir, { recursive: true });
    const temporary = `${file}.${randomUUID()}.tmp.mjs`;
    esbuild.buildSync({
      entryPoints: [WORKER_SOURCE], outfile: temporary, bundle: true, platform: 'node', format: 'esm',
      target: 'node20', packages: 'external', logLevel: 'silent',
    });
    renameSync(temporary, file);
    // Bundles of earlier sources are never used again.
    for (const name of readdirSync(cacheDir)) {
      if (name.startsWith('worker-') && join(cacheDir, name) !== file && !name.includes('.tmp.')) rmSync(join(cacheDir, name), { force: true });
    }
    return file;
  } catch {
    return undefined;
  }
}

/** Code for `new Worker(code, { eval: true })`. */
export function workerEntry(): string {
  const bundled = bundledWorker();
  if (bundled !== undefined) return `import(${JSON.stringify(pathToFileURL(bundled).href)})`;
  return `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(WORKER_SOURCE).href)}); })`;
}
