// Spreads files over worker threads in small batches (each worker asks for the next when done).
import { Worker } from 'node:worker_threads';
import { emptyCheck, mergeChecks, type FilesCheck } from './check-files.ts';
import { BUILT_IN_BUNDLES } from './schemas/registry.ts';
import type { WorkerSetup, WorkerTask } from './worker.ts';
import { workerEntry } from './worker-bundle.ts';

type WorkerReply = { ok: true; result: FilesCheck } | { ok: false; error: string };


export async function checkFilesInWorkers(files: readonly string[], workerCount: number, keepResources: boolean): Promise<FilesCheck> {
  const batchSize = Math.max(1, Math.min(200, Math.ceil(files.length / (workerCount * 8))));
  const batches: string[][] = [];
  for (let start = 0; start < files.length; start += batchSize) batches.push(files.slice(start, start + batchSize));
  // Results are put back in batch order, so the report does not depend on thread timing.
  const results: FilesCheck[] = new Array<FilesCheck>(batches.length);
  let next = 0;
  const entry = workerEntry();
  const runWorker = (): Promise<void> => new Promise((resolve, reject) => {
    const worker = new Worker(entry, { eval: true, execArgv: [], workerData: { bundlesDir: BUILT_IN_BUNDLES } satisfies WorkerSetup });
    let current = -1;
    const sendNext = (): void => {
      if (next >= batches.length) {
        worker.once('exit', () => resolve());
        worker.postMessage(null); // no more work: the worker closes its port and exits
        return;
      }
      current = next++;
      worker.postMessage({ files: batches[current]!, keepResources } satisfies WorkerTask);
    };
    worker.on('message', (reply: WorkerReply) => {
      if (!reply.ok) {
        void worker.terminate();
        reject(new Error(`validator worker failed: ${reply.error}`));
        return;
      }
      results[current] = reply.result;
      sendNext();
    });
    worker.on('error', reject);
    sendNext();
  });
  await Promise.all(Array.from({ length: Math.min(workerCount, batches.length) }, runWorker));
  return results.reduce(mergeChecks, emptyCheck());
}
