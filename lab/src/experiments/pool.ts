// Runs tasks on worker threads (one per core, at most `size`), results in task order.
import { Worker } from 'node:worker_threads';
import type { Task, TaskResult } from './run-task.ts';

const WORKER_URL = new URL('./worker.ts', import.meta.url).href;

/** A worker running worker.ts: TypeScript loading (tsx) is registered inside the thread first. */
function startWorker(): Worker {
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL)}); })`;
  return new Worker(bootstrap, { eval: true });
}

type Reply = { ok: true; result: TaskResult } | { ok: false; error: string };

export async function runPool(tasks: readonly Task[], size: number, onDone?: (done: number) => void): Promise<TaskResult[]> {
  const results: TaskResult[] = new Array<TaskResult>(tasks.length);
  let next = 0;
  let done = 0;
  const workerCount = Math.max(1, Math.min(size, tasks.length));
  const runWorker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = startWorker();
      let current = -1;
      const feed = (): void => {
        if (next >= tasks.length) {
          void worker.terminate().then(() => resolve());
          return;
        }
        current = next++;
        worker.postMessage(tasks[current]);
      };
      worker.on('message', (reply: Reply) => {
        if (!reply.ok) {
          void worker.terminate();
          reject(new Error(`task ${JSON.stringify(tasks[current])} failed: ${reply.error}`));
          return;
        }
        results[current] = reply.result;
        onDone?.(++done);
        feed();
      });
      worker.on('error', reject);
      feed();
    });
  await Promise.all(Array.from({ length: workerCount }, runWorker));
  return results;
}
