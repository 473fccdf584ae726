// The prebuilt CLI (validate.mjs runs a bundle of cli.ts): same report as the TypeScript CLI, and
// a bundle is rebuilt when a source changes, never used stale.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prebuilt } from '../prebuilt.mjs';
import { REPO_ROOT } from '../index.ts';
import { fixture, FIXTURE_ROOT, removeTemporaryDirs, temporaryDir } from './helpers.ts';

test.after(removeTemporaryDirs);

const run = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
  const result = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

test('node ci/validate/validate.mjs reports exactly what the TypeScript CLI reports', () => {
  const files = ['--root', FIXTURE_ROOT, fixture('base.yaml'), fixture('rules/IST006.yaml'), fixture('schema/cel.yaml')];
  const fast = run(['ci/validate/validate.mjs', '--json', ...files]);
  const typescript = run(['--import', 'tsx', 'ci/validate/cli.ts', '--json', ...files]);
  assert.is(fast.status, 1, fast.stderr);
  assert.is(fast.stderr, '');
  assert.equal(JSON.parse(fast.stdout), JSON.parse(typescript.stdout));
  assert.ok((JSON.parse(fast.stdout) as { findings: unknown[] }).findings.length >= 5);
});

test('the project manifests through validate.mjs: exit 0, no finding', () => {
  const result = run(['ci/validate/validate.mjs']);
  assert.is(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^0 errors, 0 warnings in \d+ files \(\d+ resources\)\n$/);
});

test('a bundle is built on first use, reused, and rebuilt (the stale one removed) when a source changes', async () => {
  const sourceDir = join(temporaryDir('validate-prebuilt-'), 'validate');
  const cacheDir = join(sourceDir, '..', 'cache');
  mkdirSync(sourceDir);
  writeFileSync(join(sourceDir, 'entry.ts'), "import { answer } from './answer.ts';\nexport const value: number = answer;\n");
  writeFileSync(join(sourceDir, 'answer.ts'), 'export const answer = 1;\n');
  const first = prebuilt('entry.ts', 'probe', { sourceDir, cacheDir });
  assert.is(prebuilt('entry.ts', 'probe', { sourceDir, cacheDir }), first, 'unchanged sources: the same bundle');
  assert.is(((await import(pathToFileURL(first).href)) as { value: number }).value, 1);
  writeFileSync(join(sourceDir, 'answer.ts'), 'export const answer = 2;\n');
  const second = prebuilt('entry.ts', 'probe', { sourceDir, cacheDir });
  assert.is.not(second, first);
  assert.not.ok(existsSync(first), 'the stale bundle is removed');
  assert.is(((await import(pathToFileURL(second).href)) as { value: number }).value, 2);
});

test.run();
