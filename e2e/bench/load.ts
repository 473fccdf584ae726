// The load generator (autocannon, in this process, on loopback) and how its results are printed.
import autocannon from 'autocannon';

export interface LoadFigures {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not 2xx, plus connection errors and timeouts: any makes the figures suspect. */
  failures: number;
}

export type LoadOptions = autocannon.Options;

/** Runs autocannon; `onResponse` sees each answer's status and latency (to split a mixed run by kind). */
export function runLoad(
  options: LoadOptions,
  onResponse?: (statusCode: number, latencyMs: number) => void,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    if (onResponse) instance.on('response', (_client, statusCode, _bytes, latencyMs) => onResponse(statusCode, latencyMs));
  });
}

export const figuresOf = (name: string, result: autocannon.Result): LoadFigures => ({
  name,
  requestsPerSecond: result.requests.total / result.duration,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  failures: result.non2xx + result.errors + result.timeouts,
});

/**
 * A closed-loop load for sequences autocannon cannot express (steps on different services):
 * each worker runs `iteration` again and again until the duration is over.
 */
export async function closedLoop<W>(workers: readonly W[], durationSeconds: number, iteration: (worker: W) => Promise<void>): Promise<number> {
  const started = performance.now();
  const deadline = started + durationSeconds * 1_000;
  await Promise.all(
    workers.map(async (worker) => {
      while (performance.now() < deadline) await iteration(worker);
    }),
  );
  return (performance.now() - started) / 1_000;
}

/** Percentile (0..100) of a list of latencies, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Several runs of the same load: mean throughput and p50, worst p99, all failures. */
export function combineRounds(name: string, rounds: readonly LoadFigures[]): LoadFigures {
  const mean = (pick: (f: LoadFigures) => number): number => rounds.reduce((sum, f) => sum + pick(f), 0) / rounds.length;
  return {
    name,
    requestsPerSecond: mean((f) => f.requestsPerSecond),
    p50Ms: mean((f) => f.p50Ms),
    p99Ms: Math.max(...rounds.map((f) => f.p99Ms)),
    failures: rounds.reduce((sum, f) => sum + f.failures, 0),
  };
}

export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]!.length)));
  console.log(`\n${title}`);
  for (const [index, row] of cells.entries()) {
    console.log(`  ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')}`);
    if (index === 0) console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  }
}

export function printFigures(title: string, figures: readonly LoadFigures[]): void {
  printTable(
    title,
    ['load', 'req/s', 'p50 ms', 'p99 ms', 'failed'],
    figures.map((f) => [f.name, f.requestsPerSecond.toFixed(0), f.p50Ms.toFixed(1), f.p99Ms.toFixed(1), f.failures]),
  );
}
