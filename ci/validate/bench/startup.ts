// `npm run bench:validate-startup`: the whole process validating the project's own manifests
// (k8s/ and the kind config, what the pipeline checks), as a user runs it: the prebuilt command
// line (validate.mjs) against the TypeScript one through tsx, and Node starting alone as the floor.
// Median of BENCH_ROUNDS (default 15) runs after a warm-up; last line:
// `prebuilt vs TypeScript CLI: X.XXx faster (target: whole process < 0.5 s)`.
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../index.ts';
import { childrenCpuSeconds } from './cpu.ts';

const rounds = Number(process.env.BENCH_ROUNDS ?? 15);

interface Run { wall: number; cpu: number | undefined }

function once(args: string[]): Run {
  const cpuBefore = childrenCpuSeconds();
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuAfter = childrenCpuSeconds();
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stdout}${run.stderr}`);
  return { wall, cpu: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function measure(label: string, args: string[]): number {
  once(args); // warm-up: builds the bundle or fills the compiled-schema cache when needed
  const runs = Array.from({ length: rounds }, () => once(args));
  const wall = median(runs.map((run) => run.wall));
  const cpu = runs.every((run) => run.cpu !== undefined) ? median(runs.map((run) => run.cpu!)) : undefined;
  console.log(`${label.padEnd(40)} ${wall.toFixed(3)} s wall (best ${Math.min(...runs.map((run) => run.wall)).toFixed(3)} s)${cpu !== undefined ? `, cpu ${cpu.toFixed(3)} s` : ''}`);
  return wall;
}

measure('node -e 0 (the floor)', ['-e', '0']);
const prebuilt = measure('node ci/validate/validate.mjs', ['ci/validate/validate.mjs']);
const typescript = measure('node --import tsx ci/validate/cli.ts', ['--import', 'tsx', 'ci/validate/cli.ts']);
console.log(`prebuilt vs TypeScript CLI: ${(typescript / prebuilt).toFixed(2)}x faster; prebuilt whole process ${prebuilt.toFixed(3)} s (target < 0.5 s)`);
