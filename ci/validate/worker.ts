// Worker thread: takes batches of files from the shared counter until none is left, then sends
// its results (pool.ts). It may run bundled elsewhere (worker-bundle.ts): the pool says where the
// schemas are.
import { parentPort, workerData } from 'node:worker_threads';
import type { FilesCheck } from './check-files.ts';
import { checkFiles } from './check-files.ts';
import { drainBatches } from './pool.ts';
import { SchemaValidator } from './schema-validator.ts';
import { builtInRegistry } from './schemas/registry.ts';

export interface WorkerSetup {
  bundlesDir: string;
  batches: string[][];
  /** Next batch index, shared by every thread (an Int32Array on a SharedArrayBuffer). */
  counter: Int32Array;
  keepResources: boolean;
}

export type WorkerReply = { ok: true; results: [number, FilesCheck][] } | { ok: false; error: string };

if (parentPort && workerData) {
  const setup = workerData as WorkerSetup;
  let reply: WorkerReply;
  try {
    const validator = new SchemaValidator(builtInRegistry(setup.bundlesDir));
    reply = { ok: true, results: drainBatches(setup.batches, setup.counter, (batch) => checkFiles(batch, setup.keepResources, validator)) };
  } catch (error) {
    reply = { ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) };
  }
  parentPort.postMessage(reply);
}
