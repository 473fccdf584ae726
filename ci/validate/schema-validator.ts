// Validates objects against the registry's schemas with ajv: each kind's validator is compiled
// once, on first use, and kept.
import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { CompiledValidatorCache, defaultCacheDir } from './compiled-cache.ts';
import { builtInRegistry, type SchemaRegistry } from './schemas/registry.ts';

const SCHEMAS_ID = 'shopmesh-schemas';

export type SchemaResult =
  | { status: 'valid' }
  | { status: 'invalid'; errors: ErrorObject[]; checked: unknown }
  | { status: 'no-schema' };

// verbose: errors carry their schema, which names the allowed fields for "did you mean".
const AJV_OPTIONS: Options = { allErrors: true, strict: false, validateFormats: false, verbose: true, code: { source: true } };

export interface SchemaValidatorOptions {
  /** Folder for compiled validators; false: compile in memory only. Default: the user's cache. */
  cacheDir?: string | false;
}

export class SchemaValidator {
  private ajv: Ajv | undefined;
  private diskCache: CompiledValidatorCache | undefined;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly registry: SchemaRegistry = builtInRegistry(), private readonly options: SchemaValidatorOptions = {}) {}

  hasSchema(apiVersion: string, kind: string): boolean {
    return this.registry.definitionFor(apiVersion, kind) !== undefined;
  }

  validate(apiVersion: string, kind: string, object: unknown): SchemaResult {
    const definition = this.registry.definitionFor(apiVersion, kind);
    if (definition === undefined) return { status: 'no-schema' };
    const check = this.validatorFor(definition);
    if (check(object)) return { status: 'valid' };
    // The API server treats `field: null` as an absent field; check again without them, which
    // costs nothing for the (usual) objects that have none.
    const withoutNulls = dropNullFields(object);
    if (withoutNulls !== object && check(withoutNulls)) return { status: 'valid' };
    return { status: 'invalid', errors: [...(check.errors ?? [])], checked: withoutNulls };
  }

  private validatorFor(definition: string): ValidateFunction {
    let check = this.compiled.get(definition);
    if (check) return check;
    const cache = this.cache();
    check = cache?.load(definition);
    if (!check) {
      this.ajv ??= this.createAjv();
      check = this.ajv.compile({ $ref: `${SCHEMAS_ID}#/definitions/${definition}` });
      cache?.store(definition, standalone.default(this.ajv, check));
    }
    this.compiled.set(definition, check);
    return check;
  }

  private createAjv(): Ajv {
    const ajv = new Ajv(AJV_OPTIONS);
    ajv.addSchema({ $id: SCHEMAS_ID, definitions: this.registry.definitions });
    return ajv;
  }

  private cache(): CompiledValidatorCache | undefined {
    if (this.options.cacheDir === false) return undefined;
    if (!this.diskCache) {
      const schemas = createHash('sha256').update(JSON.stringify(this.registry.definitions)).digest('hex');
      this.diskCache = new CompiledValidatorCache(this.options.cacheDir ?? defaultCacheDir(), `${JSON.stringify(AJV_OPTIONS)}\n${schemas}`);
    }
    return this.diskCache;
  }
}

/** A copy without the null-valued fields of objects, or the value itself when it has none. */
export function dropNullFields(value: unknown): unknown {
  if (Array.isArray(value)) {
    let changed = false;
    const items = value.map((item) => {
      const next = dropNullFields(item);
      if (next !== item) changed = true;
      return next;
    });
    return changed ? items : value;
  }
  if (typeof value !== 'object' || value === null) return value;
  let changed = false;
  const entries: [string, unknown][] = [];
  for (const [key, entry] of Object.entries(value)) {
    if (entry === null) {
      changed = true;
      continue;
    }
    const next = dropNullFields(entry);
    if (next !== entry) changed = true;
    entries.push([key, next]);
  }
  return changed ? Object.fromEntries(entries) : value;
}
