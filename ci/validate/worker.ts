// Worker thread: checks the batches of files the pool sends, with its own compiled schemas.
import { parentPort, workerData } from 'node:worker_threads';
import { checkFiles } from './check-files.ts';
import { SchemaValidator } from './schema-validator.ts';
import { builtInRegistry } from './schemas/registry.ts';

export interface WorkerTask { files: string[]; keepResources: boolean }
/** This file may run bundled elsewhere (worker-bundle.ts): the pool says where the schemas are. */
export interface WorkerSetup { bundlesDir: string }

const validator = new SchemaValidator(builtInRegistry((workerData as WorkerSetup).bundlesDir));

parentPort?.on('message', (task: WorkerTask | null) => {
  if (task === null) {
    parentPort?.close();
    return;
  }
  try {
    parentPort?.postMessage({ ok: true, result: checkFiles(task.files, task.keepResources, validator) });
  } catch (error) {
    parentPort?.postMessage({ ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) });
  }
});
