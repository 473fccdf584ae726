// Worker thread: checks the batches of files the pool sends, with its own compiled schemas.
import { parentPort } from 'node:worker_threads';
import { checkFiles } from './check-files.ts';

export interface WorkerTask { files: string[]; keepResources: boolean }

parentPort?.on('message', (task: WorkerTask) => {
  checkFiles(task.files, task.keepResources).then(
    (result) => parentPort?.postMessage({ ok: true, result }),
    (error: unknown) => parentPort?.postMessage({ ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
  );
});
