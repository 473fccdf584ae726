// Runs every `*.test.ts` under a `test/` folder of the tree, each file in its own process,
// and ends with the line `N passed, N failed` (plus skipped) that CI reads.
import { spawn } from 'node:child_process';
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
  passed: number;
  failed: number;
  skipped: number;
  exitCode: number | null;
}

/** Reads uvu's closing summary; a file that crashed before it is one failure. */
export function parseUvuSummary(output: string): { total: number; passed: number; skipped: number } | undefined {
  // uvu colours its summary; strip ANSI escapes first.
  const plain = stripVTControlCharacters(output);
  const total = /Total:\s+(\d+)/.exec(plain);
  const passed = /Passed:\s+(\d+)/.exec(plain);
  const skipped = /Skipped:\s+(\d+)/.exec(plain);
  if (!total || !passed) return undefined;
  return { total: Number(total[1]), passed: Number(passed[1]), skipped: Number(skipped?.[1] ?? 0) };
}

function runFile(file: string): Promise<FileResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => {
      console.error(`\n${relative(root, file)}: no result after ${FILE_TIMEOUT_MS / 1000}s, stopping it`);
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      const summary = parseUvuSummary(output);
      if (!summary) {
        resolve({ file, passed: 0, failed: 1, skipped: 0, exitCode });
        return;
      }
      // uvu's Total counts the tests that ran; skipped ones are outside it. Under CI a skipped
      // test is a failure: every suite must run against its real server.
      let failed = summary.total - summary.passed + (ciRun ? summary.skipped : 0);
      // A non-zero exit after a clean summary (an error after the tests) still fails the file.
      if (failed === 0 && exitCode !== 0) failed = 1;
      resolve({ file, passed: summary.passed, failed, skipped: summary.skipped, exitCode });
    });
  });
}

async function main(): Promise<void> {
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
