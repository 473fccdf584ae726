// Connection details of the real test servers that `testenv/up` starts, for tests and scripts.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type TestEnv = Readonly<Record<string, string>>;

/** Where `testenv/up` writes the env file; mirrors the paths of testenv/lib.sh. */
export function testEnvFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.SHOPMESH_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'shopmesh');
  const home = env.SHOPMESH_TESTENV_HOME ?? join(cache, 'testenv');
  return join(home, 'testenv.env');
}

/** Parses KEY=VALUE lines; blank lines and # comments are ignored. */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

let cached: TestEnv | undefined;

/** The env file's values, with the process environment taking precedence. Empty when absent. */
export function loadTestEnv(): TestEnv {
  if (cached) return cached;
  const file = testEnvFilePath();
  const fromFile = existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {};
  const fromProcess = Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  cached = Object.freeze({ ...fromFile, ...fromProcess });
  return cached;
}

export const isCI = (): boolean => process.env.CI === 'true' || process.env.CI === '1';

export class MissingServerError extends Error {}

/**
 * The value of KEY (a URL, address or path of a test server). When it is missing, a suite is
 * skipped on a developer's machine but fails under CI=true: a missing server is never a pass.
 * Returns undefined only outside CI; callers then skip their suite and say why.
 */
export function server(key: string): string | undefined {
  const value = loadTestEnv()[key];
  if (value !== undefined && value !== '') return value;
  const message = `test server ${key} is not configured: run testenv/up (env file ${testEnvFilePath()})`;
  if (isCI()) throw new MissingServerError(message);
  console.warn(`SKIP: ${message}`);
  return undefined;
}
