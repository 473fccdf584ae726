// The worker threads' entry. Loader hooks of this thread (tsx) do not reach workers, and
// registering tsx in each worker costs more than a second of start-up, so workers run the prebuilt
// bundle of worker.ts (prebuilt.mjs: built once, rebuilt when a source changes). Without esbuild,
// or if the bundle cannot be written, workers register tsx themselves.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { prebuilt } from './prebuilt.mjs';
import { VALIDATE_DIR } from './source-dir.ts';

/** Path of the bundled worker, built when the sources changed; undefined when it cannot be. */
export function bundledWorker(): string | undefined {
  try {
    return prebuilt('worker.ts', 'worker');
  } catch {
    return undefined;
  }
}

/** Code for `new Worker(code, { eval: true })`. */
export function workerEntry(): string {
  const bundled = bundledWorker();
  if (bundled !== undefined) return `import(${JSON.stringify(pathToFileURL(bundled).href)})`;
  return `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(join(VALIDATE_DIR, 'worker.ts')).href)}); })`;
}
