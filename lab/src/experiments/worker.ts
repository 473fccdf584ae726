// Worker thread of the experiment pool: runs the tasks it is sent, one at a time.
import { parentPort } from 'node:worker_threads';
import { runTask, type Task } from './run-task.ts';

if (!parentPort) throw new Error('worker.ts runs only as a worker thread');
const port = parentPort;
port.on('message', (task: Task) => {
  try {
    port.postMessage({ ok: true, result: runTask(task) });
  } catch (error) {
    port.postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
});
