// `./dev.sh logs`: follows log files like `docker compose logs -f`, each line prefixed by its
// process's name (tail -F keeps following across restarts and truncation).
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export async function followLogs(files: { name: string; file: string }[], lines = 20): Promise<void> {
  const width = Math.max(...files.map((f) => f.name.length));
  const tails = files.map(({ name, file }) => {
    const tail = spawn('tail', ['-n', String(lines), '-F', file], { stdio: ['ignore', 'pipe', 'ignore'] });
    createInterface({ input: tail.stdout }).on('line', (line) => console.log(`${name.padEnd(width)} | ${line}`));
    return tail;
  });
  const stop = (): void => tails.forEach((tail) => tail.kill());
  // The reader went away (`| head`): stop following instead of failing on the closed pipe.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stop();
  });
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await Promise.all(tails.map((tail) => new Promise((resolve) => tail.once('close', resolve))));
}
