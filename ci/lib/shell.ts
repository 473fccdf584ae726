// External CLIs (kind, istioctl, docker) run through zx `$` templates. A Log-bound shell echoes each
// command as `$ ...` (so a stage's output reads like the shell script it replaces) and, when asked,
// streams the command's output indented under it.
import { $, ProcessOutput, type Shell } from 'zx';
import type { Log } from './log.ts';

export interface ShellOptions {
  /** Print `$ command` before running it (default true). */
  echo?: boolean;
  /** Print the command's output as it comes (default false: output is only captured). */
  stream?: boolean;
}

export function shellFor(log: Log, options: ShellOptions = {}): Shell {
  const echo = options.echo ?? true;
  const stream = options.stream ?? false;
  return $({
    verbose: true,
    quiet: !stream,
    log: (entry) => {
      if (entry.kind === 'cmd' && echo) log.line(`$ ${entry.cmd}`);
      else if ((entry.kind === 'stdout' || entry.kind === 'stderr') && stream) {
        for (const line of entry.data.toString().split('\n')) if (line.trim() !== '') log.line(`  ${line}`);
      }
    },
  });
}

/** A shell that runs commands silently (queries whose answer the caller reports itself). */
export function quietShell(): Shell {
  return $({ verbose: false, quiet: true });
}

export class CommandError extends Error {}

/** The command's failure as one readable message: the command, its exit code and what it printed last. */
export function commandFailure(what: string, error: unknown): CommandError {
  if (error instanceof ProcessOutput) {
    const output = `${error.stderr.trim()}\n${error.stdout.trim()}`.trim().split('\n').slice(-15).join('\n');
    const code = error.exitCode === 127 ? 'command not found (exit 127)' : `exit ${error.exitCode}`;
    return new CommandError(`${what} failed: ${code}${output ? `\n${output}` : ''}`);
  }
  return new CommandError(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
}

/** Runs a command; a failure becomes a CommandError naming `what`. */
export async function run<T>(what: string, command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    throw commandFailure(what, error);
  }
}
