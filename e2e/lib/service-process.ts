// One process of the shop (a service, or the gateway): started in a process group of its own so
// that stopping it also stops what it started (tsx's esbuild), its output kept in a log file for
// diagnostics, and killed when the parent exits in any way, so that no process is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

import type { ProcessSpec } from '../../dev/processes.ts';

export type { ProcessSpec };

export interface ServiceProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Set once the process has exited (then the exit code or signal). */
  readonly exited: string | undefined;
  /** Resolves with how it exited (`exit code 0`, `SIGTERM`). */
  readonly exit: Promise<string>;
  /** The last lines of its output, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM to the group (graceful shutdown), SIGKILL after `graceMs`; resolves once it exited. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

// Last resort when the parent ends without stopping its children (an uncaught error, Ctrl-C).
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) killGroup(child, 'SIGKILL');
    process.exit(130);
  });
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

export function startProcess(spec: ProcessSpec): ServiceProcess {
  const log = openSync(spec.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(spec.command[0]!, spec.command.slice(1), {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
  if (child.pid === undefined) throw new Error(`cannot start ${spec.name}: ${spec.command.join(' ')}`);
  const pid = child.pid;
  running.add(child);
  let exited: string | undefined;
  const exit = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = signal ?? `exit code ${code}`;
      running.delete(child);
      resolve(exited);
    }),
  );

  return {
    name: spec.name,
    pid,
    logFile: spec.logFile,
    get exited() {
      return exited;
    },
    exit,
    logTail: (lines = 20) => tail(spec.logFile, lines),
    async stop(graceMs = 10_000) {
      if (exited === undefined) {
        killGroup(child, 'SIGTERM');
        const killed = await Promise.race([exit.then(() => false), sleep(graceMs).then(() => true)]);
        if (killed) killGroup(child, 'SIGKILL');
        await exit;
      }
      // The leader is gone; a member of its group (tsx's esbuild service) may still linger.
      killGroup(child, 'SIGKILL');
    },
  };
}

/** Runs a command to completion (a schema migration); rejects with its output when it fails. */
export async function runToCompletion(spec: ProcessSpec): Promise<void> {
  const started = startProcess(spec);
  const how = await started.exit;
  if (how !== 'exit code 0') throw new Error(`${spec.name} failed (${how}):\n${started.logTail()}`);
}

/** Resident memory of a process in MiB (VmRSS of /proc/<pid>/status). */
export function residentMemoryMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}
