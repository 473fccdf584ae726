// Runs every `*.test.ts` under a `test/` folder of the tree, each file in its own process,
// and ends with the line `N passed, N failed` (plus skipped) that CI reads.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { isCI } from '../packages/testkit/src/index.ts';

const root = join(import.meta.dirname, '..');
const IGNORED = new Set(['node_modules', '.git', 'dist', 'results']);
const ciRun = isCI();
const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 20 * 60_000);

function findTestFiles(dir: string, inTestDir = false): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (IGNORED.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...findTestFiles(path, inTestDir || entry.name === 'test'));
    else if (inTestDir && entry.name.endsWith('.test.ts')) found.push(path);
  }
  return found.sort();
}

interface FileResult {
  file: string;
  /** What the file printed (stdout and stderr). */
  output: string;
  passed: number;
  failed: number;
  skipped: number;
  exitCode: number | null;
}

/**
 * Reads uvu's closing summary, the last one in the output (a test may print output of its own
 * that looks like one, e.g. of a child test run); a file that crashed before it is one failure.
 */
export function parseUvuSummary(output: string): { total: number; passed: number; skipped: number } | undefined {
  // uvu colours its summary; strip ANSI escapes first.
  const plain = stripVTControlCharacters(output);
  const start = plain.lastIndexOf('Total:');
  if (start < 0) return undefined;
  const tail = plain.slice(start);
  const total = /^Total:\s+(\d+)/.exec(tail);
  const passed = /Passed:\s+(\d+)/.exec(tail);
  const skipped = /Skipped:\s+(\d+)/.exec(tail);
  if (!total || !passed) return undefined;
  return { total: Number(total[1]), passed: Number(passed[1]), skipped: Number(skipped?.[1] ?? 0) };
}

/**
 * Suites in which no test ran and none failed: uvu swallows an exception of a `before` hook (its
 * runner returns from a `finally`), so such a suite only shows `(0 / N)` with no failure. Named
 * here so that the run says which suite broke (uvu does not print the hook's error).
 */
export function suitesWithoutRun(output: string): string[] {
  const plain = stripVTControlCharacters(output);
  const found: string[] = [];
  for (const match of plain.matchAll(/^(.*?)\s*\(0 \/ (\d+)\)\s*$/gm)) {
    const line = match[1] ?? '';
    if (Number(match[2]) === 0 || /[✘]/.test(line)) continue;
    found.push(line.replace(/[•✘]/g, '').trim() || '(unnamed suite)');
  }
  return found;
}

/** Kills what is left of a test file's process group (services, registries, dev processes it started). */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}

let running: ChildProcess | undefined;

export function runFile(file: string, timeoutMs = FILE_TIMEOUT_MS, { echo = true } = {}): Promise<FileResult> {
  return new Promise((resolve) => {
    // Its own process group: on a timeout, and after it ends, everything it started is stopped.
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running = child;
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      if (echo) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      console.error(`\n${relative(root, file)}: no result after ${timeoutMs / 1000}s, stopping it and every process it started`);
      killGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      killGroup(child.pid, 'SIGKILL');
      running = undefined;
      for (const suite of echo ? suitesWithoutRun(output) : []) {
        console.error(`${relative(root, file)}: suite "${suite}" ran none of its tests: its before hook threw (uvu does not print that error; read the suite's set-up)`);
      }
      const summary = parseUvuSummary(output);
      if (!summary) {
        resolve({ file, output, passed: 0, failed: 1, skipped: 0, exitCode });
        return;
      }
      // uvu's Total counts the tests that ran; skipped ones are outside it. Under CI a skipped
      // test is a failure: every suite must run against its real server.
      let failed = summary.total - summary.passed + (ciRun ? summary.skipped : 0);
      // A non-zero exit after a clean summary (an error after the tests) still fails the file.
      if (failed === 0 && exitCode !== 0) failed = 1;
      resolve({ file, output, passed: summary.passed, failed, skipped: summary.skipped, exitCode });
    });
  });
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killGroup(running?.pid, 'SIGKILL');
      process.exit(130);
    });
  }
  const filters = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const files = findTestFiles(root).filter(
    (file) => filters.length === 0 || filters.some((filter) => relative(root, file).includes(filter)),
  );
  if (files.length === 0) {
    console.error('no test files matched');
    process.exit(1);
  }
  const results: FileResult[] = [];
  for (const file of files) {
    console.log(`\n── ${relative(root, file)}`);
    results.push(await runFile(file));
  }
  const sum = (key: 'passed' | 'failed' | 'skipped'): number => results.reduce((n, r) => n + r[key], 0);
  console.log('\n── results per file');
  for (const r of results) {
    const mark = r.failed > 0 ? 'FAIL' : 'ok  ';
    console.log(`${mark} ${relative(root, r.file)}  ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  }
  console.log(`${sum('passed')} passed, ${sum('failed')} failed, ${sum('skipped')} skipped`);
  process.exit(sum('failed') > 0 ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
