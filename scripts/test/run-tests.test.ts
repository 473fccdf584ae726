// The test runner: the summary it reads, the suites it reports as not run, and the processes a
// timed-out test file leaves behind (real child processes, in a temporary directory).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseUvuSummary, runFile, suitesWithoutRun } from '../run-tests.ts';

const uvu = pathToFileURL(join(import.meta.dirname, '..', '..', 'node_modules', 'uvu', 'dist', 'index.mjs')).href;
const uvuAssert = pathToFileURL(join(import.meta.dirname, '..', '..', 'node_modules', 'uvu', 'assert', 'index.mjs')).href;

/** Running (a killed process whose parent is gone may stay a zombie until init reaps it). */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
};

test('the last summary counts: a test that prints a summary-like text of its own does not fool the runner', () => {
  const output = ['child run:', '  Total:     3', '  Passed:    3', '  Skipped:   0', '', '• ✘  (1 / 2)', '  Total:     2', '  Passed:    1', '  Skipped:   1', ''].join('\n');
  assert.equal(parseUvuSummary(output), { total: 2, passed: 1, skipped: 1 });
  assert.is(parseUvuSummary('crashed before any summary'), undefined);
});

test('a suite with tests of which none ran and none failed is named (its before hook threw)', () => {
  const output = [' deploy (real API server)    (0 / 6)', ' other  • • ✘   (2 / 3)', ' empty   (0 / 0)', ' ok-suite  • •   (2 / 2)'].join('\n');
  assert.equal(suitesWithoutRun(output), ['deploy (real API server)']);
});

test('a real file whose before hook throws is counted failed and named', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-tests-before-'));
  try {
    const file = join(dir, 'broken.test.ts');
    writeFileSync(
      file,
      `import { suite } from '${uvu}';\nconst s = suite('needs a server');\ns.before(() => { throw new Error('no server'); });\ns('one', () => {});\ns('two', () => {});\ns.run();\n`,
    );
    const result = await runFile(file, 60_000, { echo: false });
    assert.is(result.failed, 2);
    assert.is(result.passed, 0);
    assert.equal(suitesWithoutRun(result.output), ['needs a server']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a timed-out test file is stopped with every process it started (its process group)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'run-tests-timeout-'));
  try {
    const file = join(dir, 'hangs.test.ts');
    const pidFile = join(dir, 'child.pid');
    writeFileSync(
      file,
      [
        `import { spawn } from 'node:child_process';`,
        `import { writeFileSync } from 'node:fs';`,
        `import { test } from '${uvu}';`,
        `import * as assert from '${uvuAssert}';`,
        `test('starts a server and never ends', async () => {`,
        `  const server = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });`,
        `  writeFileSync(${JSON.stringify(pidFile)}, String(server.pid));`,
        `  assert.ok(server.pid);`,
        `  await new Promise(() => {});`,
        `});`,
        `test.run();`,
      ].join('\n'),
    );
    const result = await runFile(file, 4_000, { echo: false });
    assert.is(result.failed, 1);
    const serverPid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(serverPid > 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.not.ok(alive(serverPid), `the server the test started (pid ${serverPid}) was stopped`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
