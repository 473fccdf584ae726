// Worker thread: checks the batches of files the pool sends, with its own compiled schemas.
import { parentPort } from 'node:worker_threads';
import { checkFiles } from './check-files.ts';

export interface WorkerTask { files: string[]; keepResources: boolean }

parentPort?.on('message', (task: WorkerTask) => {
  try {
    parentPort?.postMessage({ ok: true, result: checkFiles(task.files, task.keepResources) });
  } catch (error) {
    parentPort?.postMessage({ ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) });
  }
});
