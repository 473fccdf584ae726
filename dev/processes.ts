// Background processes of the inner loop: each started in a process group of its own (so that
// stopping it also stops what it started, like `node --watch`'s child), logged to a file, and
// remembered in a pid file with its start time, so a recycled pid is never mistaken for it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessSpec {
  name: string;
  command: string[];
  cwd: string;
  env: Record<string, string>;
  logFile: string;
}

interface PidFile {
  pid: number;
  started: string;
  command: string[];
}

/** The kernel's start time of a pid, as `ps` prints it; undefined when no such process. */
function startTime(pid: number): string | undefined {
  try {
    return execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const pidPath = (runDir: string, name: string): string => join(runDir, `${name}.pid`);

/** Starts `spec` detached (own process group), appending its output to its log file; returns its pid. */
export function startProcess(runDir: string, spec: ProcessSpec): number {
  mkdirSync(runDir, { recursive: true });
  const log = openSync(spec.logFile, 'a');
  try {
    writeFileSync(log, `\n=== ${new Date().toISOString()} start ${spec.command.join(' ')}\n`);
    const child = spawn(spec.command[0]!, spec.command.slice(1), {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    if (child.pid === undefined) throw new Error(`cannot start ${spec.name}: ${spec.command.join(' ')}`);
    child.unref();
    const record: PidFile = { pid: child.pid, started: startTime(child.pid) ?? '', command: spec.command };
    writeFileSync(pidPath(runDir, spec.name), JSON.stringify(record));
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** The pid of a process this loop started under `name`, if it still runs (a stale pid file is removed). */
export function runningPid(runDir: string, name: string): number | undefined {
  let record: PidFile;
  try {
    record = JSON.parse(readFileSync(pidPath(runDir, name), 'utf8')) as PidFile;
  } catch {
    return undefined;
  }
  if (record.started !== '' && startTime(record.pid) === record.started) return record.pid;
  // The leader may be gone while members of its group still run: report the group until it is empty.
  if (groupAlive(record.pid)) return record.pid;
  rmSync(pidPath(runDir, name), { force: true });
  return undefined;
}

/** Names of every process with a pid file, running or not. */
export function recordedNames(runDir: string): string[] {
  try {
    return readdirSync(runDir)
      .filter((file) => file.endsWith('.pid'))
      .map((file) => file.slice(0, -'.pid'.length))
      .sort();
  } catch {
    return [];
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Stops the process group started under `name`: SIGTERM (graceful shutdown), then SIGKILL to
 * whatever is left after `graceMs`. Returns once the whole group is gone.
 */
export async function stopProcess(runDir: string, name: string, graceMs = 12_000): Promise<void> {
  const pid = runningPid(runDir, name);
  if (pid === undefined) return;
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
  if (groupAlive(pid)) {
    signal('SIGKILL');
    while (groupAlive(pid)) await sleep(20);
  }
  rmSync(pidPath(runDir, name), { force: true });
}

/** Pids of the direct children of `pid` (for `node --watch`: the process serving right now). */
export function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}
