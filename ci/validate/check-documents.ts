// The per-file stage: split a file into documents, parse each one, check it against its schema.
// Runs in worker threads for large inputs, so it returns plain data only.
import { ManifestSyntaxError, parseDocumentSource, splitDocuments, type DocumentSource, type FieldPath } from '../lib/manifests.ts';
import { isRecord, resourceLabel, type Resource } from './resource.ts';
import { removedApiVersion } from './removed-apis.ts';
import { schemaViolations } from './schema-findings.ts';
import type { SchemaValidator } from './schema-validator.ts';
import type { Finding } from './types.ts';
import { toFindings, type Violation } from './violation.ts';
import { createRequire } from 'node:module';
import type * as yamlTypes from 'yaml';

// `yaml` (a lenient parse, for labels of documents with duplicate keys) is loaded only when needed.
const require = createRequire(import.meta.url);
const parseWithoutKeyChecks = (text: string): unknown => (require('yaml') as typeof yamlTypes).parse(text, { uniqueKeys: false });

export const DOCUMENT_RULES = {
  syntax: 'YAML001',
  duplicateKey: 'YAML002',
  noSchema: 'SCH005',
  notAnObject: 'SCH006',
  removedApi: 'SCH009',
} as const;

export interface FileCheck {
  findings: Finding[];
  /** The file's objects, when asked for (cross-resource rules need them). */
  resources: Resource[];
  resourceCount: number;
}

export function checkManifestText(file: string, text: string, schemas: SchemaValidator, keepResources: boolean): FileCheck {
  const result: FileCheck = { findings: [], resources: [], resourceCount: 0 };
  for (const source of splitDocuments(text)) {
    let value: unknown;
    try {
      value = parseDocumentSource(source);
    } catch (error) {
      if (!(error instanceof ManifestSyntaxError)) throw error;
      result.findings.push(syntaxFinding(file, source, error));
      continue;
    }
    if (value === null || value === undefined) continue;
    if (isList(value)) {
      // What `kubectl get -o yaml` writes: kubectl applies each item; so each item is checked.
      const items = value.items as unknown[];
      items.forEach((item, index) => checkObject(file, source, item, ['items', index], schemas, keepResources, result));
      continue;
    }
    checkObject(file, source, value, [], schemas, keepResources, result);
  }
  return result;
}

/** A `kind: List` (v1): not a kind of the API, a container of objects. */
const isList = (value: unknown): value is Record<string, unknown> =>
  isRecord(value) && value.kind === 'List' && (value.apiVersion === 'v1' || value.apiVersion === undefined) && Array.isArray(value.items);

function checkObject(
  file: string, source: DocumentSource, value: unknown, basePath: FieldPath,
  schemas: SchemaValidator, keepResources: boolean, result: FileCheck,
): void {
  // An item of a List: its fields are found under items[N], and messages say which item they are about.
  const at = (violations: Violation[]): Violation[] => basePath.length === 0 ? violations : violations.map((violation) => ({
    ...violation, path: [...basePath, ...violation.path], message: `${violation.message} (List item ${String(basePath[1])})`,
  }));
  if (!isRecord(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') {
    result.findings.push(...toFindings(file, source, '-', at([notAnObject(value)])));
    return;
  }
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const resource: Resource = {
    file, source, apiVersion: value.apiVersion, kind: value.kind,
    // kind's Cluster config names itself at the top level.
    name: typeof metadata.name === 'string' ? metadata.name : typeof value.name === 'string' ? value.name : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
    object: value,
    ...(basePath.length > 0 ? { basePath } : {}),
  };
  result.resourceCount++;
  if (keepResources) result.resources.push(resource);
  const violations = schemaCheck(resource, schemas);
  if (violations.length > 0) result.findings.push(...toFindings(file, source, resourceLabel(resource), at(violations)));
}

function schemaCheck(resource: Resource, schemas: SchemaValidator): Violation[] {
  const removed = removedApiVersion(resource.apiVersion, resource.kind);
  if (removed) {
    return [{
      ruleId: DOCUMENT_RULES.removedApi, severity: 'error', path: ['apiVersion'],
      message: `${resource.apiVersion} ${resource.kind} was removed in Kubernetes ${removed.removedIn}: the API server refuses it`,
      hint: removed.hint,
    }];
  }
  const outcome = schemas.validate(resource.apiVersion, resource.kind, resource.object);
  if (outcome.status === 'valid') return schemas.crdViolations(resource.apiVersion, resource.kind, resource.object);
  if (outcome.status === 'invalid') return schemaViolations(outcome.errors, outcome.checked);
  const knownApiVersion = schemas.registry.knowsApiVersion(resource.apiVersion);
  return [{
    ruleId: DOCUMENT_RULES.noSchema,
    severity: knownApiVersion ? 'error' : 'warning',
    path: knownApiVersion ? ['kind'] : ['apiVersion'],
    message: knownApiVersion
      ? `${resource.apiVersion} has no kind "${resource.kind}"`
      : `no schema for ${resource.apiVersion} ${resource.kind}: its fields are not checked`,
    hint: knownApiVersion
      ? 'check the spelling of kind and apiVersion (kubectl api-resources lists them)'
      : 'check apiVersion and kind; a custom resource is checked when its CRD is part of the schema bundles',
  }];
}

function notAnObject(value: unknown): Violation {
  const isMap = isRecord(value);
  return {
    ruleId: DOCUMENT_RULES.notAnObject, severity: 'error', path: [],
    message: isMap ? 'document has no apiVersion and kind' : 'document is not a Kubernetes object (a map with apiVersion and kind)',
    hint: isMap ? 'add apiVersion and kind (e.g. apiVersion: apps/v1, kind: Deployment)' : 'write the object as a map of fields',
  };
}

function syntaxFinding(file: string, source: DocumentSource, error: ManifestSyntaxError): Finding {
  return {
    file, line: error.line, column: error.column,
    severity: 'error',
    ruleId: error.duplicateKey ? DOCUMENT_RULES.duplicateKey : DOCUMENT_RULES.syntax,
    resource: error.duplicateKey ? labelDespiteDuplicates(source) : '-',
    message: error.duplicateKey ? `duplicate key ${duplicateKeyName(source, error)}` : `YAML syntax error: ${error.reason}`,
    hint: error.duplicateKey
      ? 'keep one of the two entries: Kubernetes rejects duplicate keys'
      : 'fix the YAML at this position (indentation, a missing colon, an unclosed quote or bracket)',
  };
}

function duplicateKeyName(source: DocumentSource, error: ManifestSyntaxError): string {
  const line = source.text.split('\n')[error.line - source.line] ?? '';
  const key = /^("[^"]*"|'[^']*'|[^:#]+?)\s*:/.exec(line.slice(error.column - 1))?.[1];
  return key === undefined ? '' : `"${key.replace(/^["']|["']$/g, '')}"`;
}

/** Kind/name of a document whose only fault is a duplicate key (a lenient parse can still read it). */
function labelDespiteDuplicates(source: DocumentSource): string {
  try {
    const value: unknown = parseWithoutKeyChecks(source.text);
    if (isRecord(value) && typeof value.kind === 'string') {
      const name = isRecord(value.metadata) && typeof value.metadata.name === 'string' ? value.metadata.name : '';
      return resourceLabel({ kind: value.kind, name });
    }
  } catch {
    // The lenient parse failed too: no label.
  }
  return '-';
}
