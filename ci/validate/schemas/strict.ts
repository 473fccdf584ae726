// Turns Kubernetes-flavoured schemas (OpenAPI v3 components, CRD openAPIV3Schema) into plain JSON
// schemas that reject unknown fields, as `kubectl apply --validate=strict` does.
import type { JsonSchema } from './types.ts';

/** Keywords that carry no validation here; dropping them keeps bundles and compiled code small. */
const DROPPED = new Set([
  'description', 'default', 'example', 'externalDocs', 'format', 'title', 'x-kubernetes-group-version-kind',
]);
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'] as const;
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions'] as const;

export interface StrictOptions {
  /** Rewrites a `$ref` (e.g. `#/components/schemas/X` to `#/definitions/X`). */
  rewriteRef?: (ref: string) => string;
  /**
   * Keep what the API server checks beyond JSON schema for custom resources: CEL rules
   * (`x-kubernetes-validations`) and list semantics (`x-kubernetes-list-type`, `-list-map-keys`),
   * which ../cel/crd-rules.ts evaluates (ajv ignores them).
   */
  keepCrdRules?: boolean;
}

export const CRD_RULE_KEYWORDS: readonly string[] = ['x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys'];

const isObject = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A valid ECMAScript pattern, or undefined for RE2-only syntax (e.g. `(?i)`) that JS cannot run. */
function portablePattern(pattern: unknown): string | undefined {
  if (typeof pattern !== 'string') return undefined;
  try {
    new RegExp(pattern, 'u');
    return pattern;
  } catch {
    return undefined;
  }
}

export function toStrictSchema(node: JsonSchema, options: StrictOptions = {}): JsonSchema {
  const out: JsonSchema = {};
  const preservesUnknown = node['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [keyword, value] of Object.entries(node)) {
    if (options.keepCrdRules === true && CRD_RULE_KEYWORDS.includes(keyword)) {
      out[keyword] = keyword === 'x-kubernetes-validations' && Array.isArray(value)
        ? value.map((rule: JsonSchema) => ({ rule: rule.rule, ...(rule.message !== undefined ? { message: rule.message } : {}) }))
        : value;
      continue;
    }
    if (DROPPED.has(keyword) || keyword.startsWith('x-')) continue;
    if (keyword === '$ref' && typeof value === 'string') {
      out.$ref = options.rewriteRef ? options.rewriteRef(value) : value;
    } else if (keyword === 'pattern') {
      const pattern = portablePattern(value);
      if (pattern !== undefined) out.pattern = pattern;
    } else if ((SCHEMA_MAPS as readonly string[]).includes(keyword) && isObject(value)) {
      out[keyword] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, isObject(child) ? toStrictSchema(child, options) : child]),
      );
    } else if ((SCHEMA_LISTS as readonly string[]).includes(keyword) && Array.isArray(value)) {
      out[keyword] = value.map((child: unknown) => (isObject(child) ? toStrictSchema(child, options) : child));
    } else if ((keyword === 'items' || keyword === 'additionalProperties' || keyword === 'not') && isObject(value)) {
      out[keyword] = toStrictSchema(value, options);
    } else {
      out[keyword] = value;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true && out.type === undefined && out.anyOf === undefined) {
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  // `nullable` is only meaningful (and only accepted by validators) next to a `type`.
  if (out.nullable !== undefined && out.type === undefined) delete out.nullable;
  if (isObject(out.properties) && out.additionalProperties === undefined && !preservesUnknown
    && node['x-kubernetes-embedded-resource'] !== true) {
    out.additionalProperties = false;
  }
  return simplifyRefWrapper(out);
}

/** `{allOf: [{$ref}]}` with nothing else (OpenAPI's way to attach a description) becomes `{$ref}`. */
function simplifyRefWrapper(schema: JsonSchema): JsonSchema {
  const keys = Object.keys(schema);
  const allOf = schema.allOf;
  if (keys.length === 1 && Array.isArray(allOf) && allOf.length === 1 && isObject(allOf[0])
    && Object.keys(allOf[0]).length === 1 && typeof allOf[0].$ref === 'string') {
    return { $ref: allOf[0].$ref };
  }
  return schema;
}
