// Validates objects against the registry's schemas with ajv. Each kind gets two validators,
// compiled on first use and kept (in memory and on disk): a lean one that only answers "valid?"
// (every document goes through it), and a detailed one that lists every error with its schema,
// used only for documents that fail.
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, Options, ValidateFunction } from 'ajv';
import type standaloneModule from 'ajv/dist/standalone/index.js';
import { CrdRules } from './cel/crd-rules.ts';
import { CompiledValidatorCache, defaultCacheDir } from './compiled-cache.ts';
import type { Violation } from './violation.ts';
import { builtInRegistry, type SchemaRegistry } from './schemas/registry.ts';

const SCHEMAS_ID = 'shopmesh-schemas';

// ajv itself is loaded only to compile a validator missing from the disk cache: a warm run (and
// every worker thread after the first run) never pays for loading it.
const require = createRequire(import.meta.url);
const loadAjv = (): { Ajv: typeof Ajv; standaloneCode: typeof standaloneModule.default } => ({
  Ajv: (require('ajv') as { Ajv: typeof Ajv }).Ajv,
  standaloneCode: (require('ajv/dist/standalone/index.js') as typeof standaloneModule).default,
});

const COMMON: Options = { strict: false, validateFormats: false, code: { source: true } };
/** Stops at the first error: the fast path for the (usual) valid document. */
const LEAN: Options = { ...COMMON, allErrors: false };
/** Every error, each with its schema (which names the allowed fields for "did you mean"). */
const DETAILED: Options = { ...COMMON, allErrors: true, verbose: true };

export type SchemaResult =
  | { status: 'valid' }
  | { status: 'invalid'; errors: ErrorObject[]; checked: unknown }
  | { status: 'no-schema' };

export interface SchemaValidatorOptions {
  /** Folder for compiled validators; false: compile in memory only. Default: the user's cache. */
  cacheDir?: string | false;
}

/** Validators of one ajv configuration, by definition name. */
class ValidatorSet {
  private ajv: Ajv | undefined;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly disk: CompiledValidatorCache | undefined;

  constructor(private readonly registry: SchemaRegistry, private readonly options: Options, cacheDir: string | false) {
    this.disk = cacheDir === false ? undefined
      : new CompiledValidatorCache(cacheDir, `${JSON.stringify(options)}\n${registry.fingerprint}`);
  }

  get(definition: string): ValidateFunction {
    let check = this.compiled.get(definition) ?? this.disk?.load(definition);
    if (!check) {
      const { Ajv: AjvClass, standaloneCode } = loadAjv();
      if (!this.ajv) {
        this.ajv = new AjvClass(this.options);
        this.ajv.addSchema({ $id: SCHEMAS_ID, definitions: this.registry.definitions });
      }
      check = this.ajv.compile({ $ref: `${SCHEMAS_ID}#/definitions/${definition}` });
      this.disk?.store(definition, standaloneCode(this.ajv, check));
    }
    this.compiled.set(definition, check);
    return check;
  }
}

export class SchemaValidator {
  private readonly lean: ValidatorSet;
  private readonly detailed: ValidatorSet;
  private crdRules: CrdRules | undefined;

  constructor(readonly registry: SchemaRegistry = builtInRegistry(), options: SchemaValidatorOptions = {}) {
    const cacheDir = options.cacheDir ?? defaultCacheDir();
    this.lean = new ValidatorSet(registry, LEAN, cacheDir);
    this.detailed = new ValidatorSet(registry, DETAILED, cacheDir);
  }

  hasSchema(apiVersion: string, kind: string): boolean {
    return this.registry.definitionFor(apiVersion, kind) !== undefined;
  }

  /** CEL rules and list-type uniqueness of a custom resource's CRD (for a schema-valid object). */
  crdViolations(apiVersion: string, kind: string, object: unknown): Violation[] {
    const definition = this.registry.definitionFor(apiVersion, kind);
    if (definition === undefined) return [];
    this.crdRules ??= new CrdRules(this.registry.definitions);
    return this.crdRules.check(definition, object);
  }

  validate(apiVersion: string, kind: string, object: unknown): SchemaResult {
    const definition = this.registry.definitionFor(apiVersion, kind);
    if (definition === undefined) return { status: 'no-schema' };
    const isValid = this.lean.get(definition);
    if (isValid(object)) return { status: 'valid' };
    // The API server treats `field: null` as an absent field; check again without them, which
    // costs nothing for the (usual) objects that have none.
    const withoutNulls = dropNullFields(object);
    if (withoutNulls !== object && isValid(withoutNulls)) return { status: 'valid' };
    const explain = this.detailed.get(definition);
    explain(withoutNulls);
    return { status: 'invalid', errors: [...(explain.errors ?? [])], checked: withoutNulls };
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
