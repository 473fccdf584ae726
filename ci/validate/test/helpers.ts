// Paths and small helpers shared by the validator's tests.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCI } from '../../../packages/testkit/src/index.ts';
import { REPO_ROOT } from '../index.ts';
import type { Finding } from '../types.ts';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const fixture = (path: string): string => resolve(FIXTURES, path);
/** A repository root whose services/ has alpha-service only (what base.yaml deploys). */
export const FIXTURE_ROOT = fixture('root');

/** The shared third-party manifests (../shared/corpus), or undefined (skip; under CI: fail). */
export function corpusDir(): string | undefined {
  const dir = process.env.SHOPMESH_CORPUS_DIR ?? resolve(REPO_ROOT, '../shared/corpus');
  if (existsSync(dir)) return dir;
  const message = `the shared corpus is not at ${dir} (set SHOPMESH_CORPUS_DIR)`;
  if (isCI()) throw new Error(message);
  console.warn(`SKIP: ${message}`);
  return undefined;
}

/** `RULE@line` (or `RULE@line:column`) of each finding, for exact comparisons. */
export const positions = (findings: Finding[], withColumn = false): string[] =>
  findings.map((f) => `${f.ruleId}@${f.line}${withColumn ? `:${f.column}` : ''}`);

export const describeFindings = (findings: Finding[]): string =>
  findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.severity} ${f.ruleId} ${f.resource} ${f.message}`).join('\n');

const temporaryDirs: string[] = [];

/** A new temporary folder, removed by `removeTemporaryDirs` (call it in `test.after`). */
export function temporaryDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirs.push(dir);
  return dir;
}

export function removeTemporaryDirs(): void {
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
