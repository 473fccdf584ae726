// Spreads files over threads: this thread and `threads - 1` worker threads take batches from one
// shared counter (Atomics), so no thread waits for another to hand out work, and the calling
// thread, which has everything loaded already, works too.
import { Worker } from 'node:worker_threads';
import { checkFiles, emptyCheck, mergeChecks, threadValidator, type FilesCheck } from './check-files.ts';
import { BUILT_IN_BUNDLES } from './schemas/registry.ts';
import type { WorkerReply, WorkerSetup } from './worker.ts';
import { workerEntry } from './worker-bundle.ts';

/** Batches of at most this many files: small enough to balance, large enough to amortise. */
const MAX_BATCH = 64;

export function batchesOf(files: readonly string[], threads: number): string[][] {
  const size = Math.max(1, Math.min(MAX_BATCH, Math.ceil(files.length / (threads * 8))));
  const batches: string[][] = [];
  for (let start = 0; start < files.length; start += size) batches.push(files.slice(start, start + size));
  return batches;
}

/** Takes batch indexes from the shared counter until none is left; results by batch index. */
export function drainBatches(
  batches: readonly string[][], counter: Int32Array, check: (files: string[]) => FilesCheck,
): [number, FilesCheck][] {
  const results: [number, FilesCheck][] = [];
  for (let index = Atomics.add(counter, 0, 1); index < batches.length; index = Atomics.add(counter, 0, 1)) {
    results.push([index, check(batches[index]!)]);
  }
  return results;
}

export async function checkFilesInThreads(files: readonly string[], threads: number, keepResources: boolean): Promise<FilesCheck> {
  const batches = batchesOf(files, threads);
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const entry = workerEntry();
  const fromWorkers = Array.from({ length: Math.max(0, Math.min(threads, batches.length) - 1) }, () =>
    new Promise<[number, FilesCheck][]>((resolve, reject) => {
      const setup: WorkerSetup = { bundlesDir: BUILT_IN_BUNDLES, batches, counter, keepResources };
      const worker = new Worker(entry, { eval: true, execArgv: [], workerData: setup });
      worker.once('message', (reply: WorkerReply) => {
        if (reply.ok) resolve(reply.results);
        else reject(new Error(`validator worker failed: ${reply.error}`));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`validator worker exited (${code}) before answering`)));
    }));
  // Let the workers start (module loading happens off this thread), then work alongside them.
  await new Promise((resolve) => setImmediate(resolve));
  const validator = threadValidator();
  const here = drainBatches(batches, counter, (batch) => checkFiles(batch, keepResources, validator));
  const all = [here, ...(await Promise.all(fromWorkers))].flat();
  // Put results back in batch order, so the report does not depend on thread timing.
  all.sort(([a], [b]) => a - b);
  return all.map(([, result]) => result).reduce(mergeChecks, emptyCheck());
}
