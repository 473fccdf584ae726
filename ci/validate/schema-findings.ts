// Turns ajv's errors into violations a person can act on: one per problem, named by field, with
// a fix. IDs: SCH001 unknown field, SCH002 wrong type, SCH003 missing required field, SCH004 value
// not allowed.
import type { ErrorObject } from 'ajv';
import { formatFieldPath, type FieldPath } from '../lib/manifests.ts';
import type { Violation } from './violation.ts';

export const SCHEMA_RULES = {
  unknownField: 'SCH001',
  wrongType: 'SCH002',
  missingField: 'SCH003',
  invalidValue: 'SCH004',
} as const;

/** JSON pointer (`/spec/ports/0`) to a field path, with list indexes as numbers. */
export function pointerToPath(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let current = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      const index = Number(segment);
      path.push(index);
      current = current[index];
    } else {
      path.push(segment);
      current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

const describe = (path: FieldPath): string => (path.length === 0 ? 'the document' : formatFieldPath(path));

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  return `the string ${JSON.stringify(value)}`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string', integer: 'an integer', number: 'a number', boolean: 'a boolean', array: 'a list', object: 'a map', null: 'null',
};
const typeNames = (types: string[]): string => types.map((type) => TYPE_NAMES[type] ?? type).join(' or ');

function typeHint(expected: string, value: unknown): string {
  if (expected.includes('string') && (typeof value === 'number' || typeof value === 'boolean')) {
    return `quote the value: "${String(value)}" (YAML reads unquoted ${String(value)} as a ${typeof value})`;
  }
  if ((expected === 'integer' || expected === 'number') && typeof value === 'string') {
    return /^-?\d+(\.\d+)?$/.test(value) ? `remove the quotes: ${value}` : `write a ${expected}`;
  }
  if (expected === 'array') return 'write a list (items starting with "- ")';
  if (expected === 'object') return 'write a map of fields (key: value)';
  return `write ${typeNames(expected.split(','))}`;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

function unknownFieldHint(name: string, parentSchema: unknown): string {
  const properties = (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  const allowed = Object.keys(properties ?? {});
  const closest = allowed
    .map((candidate) => ({ candidate, distance: editDistance(name.toLowerCase(), candidate.toLowerCase()) }))
    .filter(({ distance }) => distance <= Math.max(1, Math.floor(name.length / 3)))
    .sort((a, b) => a.distance - b.distance)[0];
  if (closest) return `did you mean "${closest.candidate}"? (fields here: ${allowed.join(', ')})`;
  if (allowed.length > 0) return `remove it; fields allowed here: ${allowed.join(', ')}`;
  return 'remove it: this map takes no fields';
}

interface Branch { type?: unknown; required?: unknown }

/** One violation for a failed oneOf/anyOf, instead of one per failed alternative. */
function alternativesViolation(error: ErrorObject, path: FieldPath): Violation {
  const branches = (Array.isArray(error.schema) ? error.schema : []) as Branch[];
  const types = branches.map((branch) => branch.type).filter((type): type is string => typeof type === 'string');
  if (types.length === branches.length && types.length > 0) {
    return {
      ruleId: SCHEMA_RULES.wrongType, severity: 'error', path,
      message: `${describe(path)} must be ${typeNames(types)}, got ${typeOf(error.data)}`,
      hint: typeHint(types.join(','), error.data),
    };
  }
  const exclusive = branches.flatMap((branch) => (Array.isArray(branch.required) ? branch.required as string[] : []));
  if (exclusive.length > 0) {
    const present = exclusive.filter((name) => typeof error.data === 'object' && error.data !== null && name in error.data);
    return {
      ruleId: SCHEMA_RULES.invalidValue, severity: 'error', path,
      message: `${describe(path)} sets ${present.map((name) => `"${name}"`).join(' and ')}, which exclude each other`,
      hint: `keep only one of: ${exclusive.join(', ')}`,
    };
  }
  return {
    ruleId: SCHEMA_RULES.invalidValue, severity: 'error', path,
    message: `${describe(path)} matches none of the allowed forms`,
    hint: 'compare the field with the API reference of this kind (kubectl explain)',
  };
}

function violationFor(error: ErrorObject, data: unknown): Violation {
  const path = pointerToPath(error.instancePath, data);
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String((error.params as { additionalProperty: string }).additionalProperty);
      const fieldPath = [...path, name];
      return {
        ruleId: SCHEMA_RULES.unknownField, severity: 'error', path: fieldPath,
        message: `unknown field "${name}" in ${describe(path)}`,
        hint: unknownFieldHint(name, error.parentSchema),
      };
    }
    case 'type': {
      const expected = String((error.params as { type: string }).type);
      return {
        ruleId: SCHEMA_RULES.wrongType, severity: 'error', path,
        message: `${describe(path)} must be ${typeNames(expected.split(','))}, got ${typeOf(error.data)}`,
        hint: typeHint(expected, error.data),
      };
    }
    case 'required': {
      const name = String((error.params as { missingProperty: string }).missingProperty);
      return {
        ruleId: SCHEMA_RULES.missingField, severity: 'error', path,
        message: `missing required field "${name}" in ${describe(path)}`,
        hint: `add "${name}"`,
      };
    }
    case 'enum': {
      const allowed = ((error.params as { allowedValues: unknown[] }).allowedValues).map((value) => JSON.stringify(value));
      return {
        ruleId: SCHEMA_RULES.invalidValue, severity: 'error', path,
        message: `${describe(path)} is ${JSON.stringify(error.data)}, not one of the allowed values`,
        hint: `use one of: ${allowed.join(', ')}`,
      };
    }
    default:
      return {
        ruleId: SCHEMA_RULES.invalidValue, severity: 'error', path,
        message: `${describe(path)} ${error.message ?? 'is not allowed'}`,
        hint: `fix the value (schema keyword "${error.keyword}")`,
      };
  }
}

export function schemaViolations(errors: ErrorObject[], data: unknown): Violation[] {
  // Errors inside a failed oneOf/anyOf come from its alternatives: the oneOf/anyOf error speaks for them.
  const alternatives = errors.filter((error) => error.keyword === 'oneOf' || error.keyword === 'anyOf');
  const fromAlternative = (error: ErrorObject): boolean =>
    alternatives.some((alternative) => alternative !== error && error.schemaPath.startsWith(`${alternative.schemaPath}/`)
      && error.instancePath.startsWith(alternative.instancePath));
  const seen = new Set<string>();
  const violations: Violation[] = [];
  for (const error of errors) {
    if (fromAlternative(error)) continue;
    const violation = alternatives.includes(error)
      ? alternativesViolation(error, pointerToPath(error.instancePath, data))
      : violationFor(error, data);
    const key = `${violation.ruleId} ${formatFieldPath(violation.path)} ${violation.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    violations.push(violation);
  }
  return violations;
}
