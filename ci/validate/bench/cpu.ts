// CPU time of child processes, for the benchmarks (Linux /proc; undefined elsewhere).
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** CPU time (user + system) of this process's waited-for children, from /proc (Linux); undefined elsewhere. */
export function childrenCpuSeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // After "pid (comm) ", field 3 is state; cutime and cstime are fields 16 and 17 (1-based).
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
