// Strict stand-ins for the command-line tools that cannot run here (kind, istioctl; docker where
// a test must not reach the engine): an executable that answers only the calls it is told to
// expect, and fails every other call with exit 97, printing the call, so a changed command line
// fails a test instead of passing silently. Every call is recorded. A rule may have a failing
// variant, switched on per run by SHOPMESH_STANDIN_FAIL=tool:variant[,...], for the tests of the
// pipeline's error paths. Tests that use one say so in their titles.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StandInRule {
  /** Matches the arguments joined by single spaces, anchored at both ends. */
  args: RegExp;
  /** Printed on standard output when the rule answers. */
  stdout?: string;
  /**
   * A bash script run when the rule answers (its side effect), with the call's arguments as "$@"
   * and the stand-ins' folder as $STANDIN_DIR.
   */
  run?: string;
  /** Exit code of an answer (default 0; a failing `run` exits with its own code). */
  exit?: number;
  /** Name of the failing variant: with SHOPMESH_STANDIN_FAIL=tool:NAME this rule fails instead. */
  failVariant?: string;
  /** What the failing variant prints on standard error (default: "<tool> <args>: failed (stand-in variant NAME)"). */
  failMessage?: string;
}

export const UNEXPECTED_CALL_EXIT = 97;

/** One recorded call. */
export interface StandInCall {
  tool: string;
  args: string[];
  /** The rule that answered (its index), or -1 for an unexpected call. */
  rule: number;
  failed: boolean;
}

interface SerializedRule extends Omit<StandInRule, 'args'> {
  args: string;
  flags: string;
}

// The stand-in's program, written beside its rules; its first argument is [tool, rules file, call log].
const PROGRAM = String.raw`
const { appendFileSync, readFileSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const [tool, rulesFile, logFile] = JSON.parse(process.argv[2]);
const args = process.argv.slice(3);
const rules = JSON.parse(readFileSync(rulesFile, 'utf8'));
const quoted = [tool, ...args].map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : "'" + arg.replaceAll("'", "'\\''") + "'")).join(' ');
const failing = new Set((process.env.SHOPMESH_STANDIN_FAIL ?? '').split(',').map((item) => item.trim()).filter(Boolean));
const index = rules.findIndex((rule) => new RegExp('^(?:' + rule.args + ')$', rule.flags).test(args.join(' ')));
const rule = rules[index];
const failed = index < 0 || (rule.failVariant !== undefined && failing.has(tool + ':' + rule.failVariant));
appendFileSync(logFile, JSON.stringify({ tool, args, rule: index, failed }) + '\n');
if (index < 0) {
  process.stderr.write('stand-in ' + tool + ' (strict): unexpected call: ' + quoted + '\n');
  process.exit(${UNEXPECTED_CALL_EXIT});
}
if (failed) {
  process.stderr.write((rule.failMessage ?? quoted + ': failed (stand-in variant ' + rule.failVariant + ')') + '\n');
  process.exit(1);
}
if (rule.run) {
  const env = { ...process.env, STANDIN_DIR: require('node:path').dirname(rulesFile) };
  const result = spawnSync('bash', ['-c', rule.run, tool, ...args], { stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
if (rule.stdout) process.stdout.write(rule.stdout);
process.exit(rule.exit ?? 0);
`;

/**
 * Writes `dir/bin/TOOL` (executable) and its rules; returns the path of the executable. Calls are
 * appended to `dir/stand-in-calls.jsonl`.
 */
export function writeStandIn(dir: string, tool: string, rules: readonly StandInRule[]): string {
  const rulesFile = join(dir, `${tool}.stand-in.json`);
  const serialized: SerializedRule[] = rules.map((rule) => ({ ...rule, args: rule.args.source, flags: rule.args.flags.replace('g', '') }));
  writeFileSync(rulesFile, JSON.stringify(serialized, null, 2));
  const program = join(dir, 'strict-stand-in.cjs');
  writeFileSync(program, PROGRAM);
  const path = join(dir, 'bin', tool);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const config = JSON.stringify([tool, rulesFile, callLog(dir)]);
  const quote = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;
  writeFileSync(path, `#!/usr/bin/env bash\n# Strict stand-in for ${tool} (ci/test/strict-stand-in.ts).\nexec ${quote(process.execPath)} ${quote(program)} ${quote(config)} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

export const callLog = (dir: string): string => join(dir, 'stand-in-calls.jsonl');

/** Every call the stand-ins of `dir` received, in order. */
export function standInCalls(dir: string): StandInCall[] {
  const file = callLog(dir);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StandInCall);
}

/** The calls no rule expected (each one also failed the command that made it). */
export const unexpectedCalls = (dir: string): StandInCall[] => standInCalls(dir).filter((call) => call.rule < 0);
