// Compiled validators kept on disk (ajv's standalone code), so a run loads each kind's validator
// instead of compiling its schema again: compiling a Deployment's schema costs about as much as
// checking a few thousand Deployments. Entries are keyed by a digest of the schemas and ajv's
// version, so a regenerated bundle never meets stale code.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);
const AJV_VERSION = (require('ajv/package.json') as { version: string }).version;

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.SHOPMESH_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'shopmesh');
  return join(base, 'validate');
}

export class CompiledValidatorCache {
  private readonly dir: string;

  /** `fingerprint`: anything that changes the generated code (schemas, ajv options). */
  constructor(baseDir: string, fingerprint: string) {
    const digest = createHash('sha256').update(`${AJV_VERSION}\n${fingerprint}`).digest('hex').slice(0, 20);
    this.dir = join(baseDir, digest);
  }

  private fileFor(name: string): string {
    return join(this.dir, `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.cjs`);
  }

  load(name: string): ValidateFunction | undefined {
    let code: string;
    try {
      code = readFileSync(this.fileFor(name), 'utf8');
    } catch {
      return undefined;
    }
    // The code is ajv's own output for our schemas, written by this class into the user's cache.
    const module = { exports: {} as { default?: ValidateFunction } };
    new Function('module', 'exports', 'require', code)(module, module.exports, require);
    return module.exports.default ?? (module.exports as unknown as ValidateFunction);
  }

  /** Best effort: a cache that cannot be written only costs compile time next run. */
  store(name: string, code: string): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      const temporary = `${this.fileFor(name)}.${randomUUID()}.tmp`;
      writeFileSync(temporary, code);
      renameSync(temporary, this.fileFor(name)); // atomic: concurrent workers never read half a file
    } catch {
      // read-only or full disk: keep going without the cache
    }
  }
}
