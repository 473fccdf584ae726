// Finding manifest files, splitting them into YAML documents, parsing documents the way kubectl
// does, and locating a field of a document (file line and column) for messages.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { createRequire } from 'node:module';
import jsyaml from 'js-yaml';
import type * as yamlTypes from 'yaml';
import type { LineCounter as LineCounterType, Node as YamlNode } from 'yaml';

// The `yaml` package (positions, a few times slower than js-yaml) is loaded only when a field must
// be located, which most runs never need.
const require = createRequire(import.meta.url);
type YamlPackage = typeof yamlTypes;
const yamlPackage = (): YamlPackage => require('yaml') as YamlPackage;

export const MANIFEST_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];

export interface ManifestFiles {
  /** Files to read: given files as they are, and under given folders every manifest file, sorted. */
  files: string[];
  /** Paths that do not exist or cannot be listed, with the reason. */
  unreadable: { path: string; reason: string }[];
}

/** Folders never searched: dependencies and tool state, not manifests. */
const SKIPPED_FOLDERS = new Set(['node_modules', '.git']);

export async function findManifestFiles(paths: readonly string[]): Promise<ManifestFiles> {
  const result: ManifestFiles = { files: [], unreadable: [] };
  for (const path of paths) {
    try {
      if ((await stat(path)).isDirectory()) result.files.push(...(await manifestsUnder(path)));
      else result.files.push(path);
    } catch (error) {
      result.unreadable.push({ path, reason: errorReason(error) });
    }
  }
  return result;
}

async function manifestsUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) files.push(...(await manifestsUnder(path)));
    } else if (MANIFEST_EXTENSIONS.includes(extname(entry.name).toLowerCase())) {
      files.push(path);
    }
  }
  return files;
}

export function errorReason(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && error.code === 'ENOENT') return 'no such file or directory';
  if (error && typeof error === 'object' && 'code' in error && error.code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

/** One YAML document of a file. */
export interface DocumentSource {
  /** Position of the document among the file's non-empty documents, from 0. */
  index: number;
  /** The document's text; line 1 of it is line `line` of the file, columns are the file's. */
  text: string;
  line: number;
}

const isMarker = (text: string, at: number, marker: '---' | '...'): boolean => {
  if (!text.startsWith(marker, at)) return false;
  const next = text.charCodeAt(at + 3);
  return Number.isNaN(next) || next === 10 || next === 13 || next === 32 || next === 9;
};

const BLANK_OR_COMMENTS = /^(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*(?:#[^\n]*)?\r?\n?$/;

/**
 * Splits a stream on document markers (`---`, `...` at the start of a line), which YAML forbids
 * inside any scalar, so no parse is needed. Documents holding only blanks and comments are left out.
 */
export function splitDocuments(input: string): DocumentSource[] {
  let text = input;
  const documents: DocumentSource[] = [];
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let startLine = 1;
  let lineNumber = 1;
  const push = (end: number): void => {
    const body = text.slice(start, end);
    if (!BLANK_OR_COMMENTS.test(body)) documents.push({ index: documents.length, text: body, line: startLine });
  };
  for (let position = start; position < text.length; lineNumber++) {
    const newline = text.indexOf('\n', position);
    const lineEnd = newline === -1 ? text.length : newline + 1;
    const directivesEnd = isMarker(text, position, '---');
    if (directivesEnd || isMarker(text, position, '...')) {
      push(position);
      const rest = text.slice(position + 3, lineEnd).trim();
      if (directivesEnd && rest !== '' && !rest.startsWith('#')) {
        // Content after `---` on the same line belongs to the document: keep the line with the
        // marker blanked, so that columns stay those of the file.
        text = `${text.slice(0, position)}   ${text.slice(position + 3)}`;
        start = position;
        startLine = lineNumber;
      } else {
        start = lineEnd;
        startLine = lineNumber + 1;
      }
    }
    position = lineEnd;
  }
  if (start < text.length) push(text.length);
  return documents;
}

// YAML as Kubernetes reads it (sigs.k8s.io/yaml, YAML 1.1): `yes`, `on`, `y` ... are booleans, and
// timestamps stay strings. js-yaml's default (1.2 core plus timestamps) would read both differently.
const YAML_11_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const YAML_11_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const yaml11Boolean = new jsyaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  // Called for every plain scalar: reject by length before hashing the string.
  resolve: (data: string | null) => data !== null && data.length <= 5 && (YAML_11_TRUE.has(data) || YAML_11_FALSE.has(data)),
  construct: (data: string) => YAML_11_TRUE.has(data),
  predicate: (value: unknown) => typeof value === 'boolean',
  represent: (value: object) => (value.valueOf() ? 'true' : 'false'),
});

// YAML 1.1 integers: `0755` is octal, `1_000` is a thousand (1.2 reads both differently).
const YAML_11_INT = /^[-+]?(?:0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*)$/;
const PLAIN_DECIMAL = /^(?:0|[1-9][0-9]*)$/;
const startsLikeNumber = (data: string): boolean => {
  const first = data.charCodeAt(0);
  return (first >= 48 && first <= 57) || first === 43 || first === 45; // digit, +, -
};
const yaml11Int = new jsyaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && startsLikeNumber(data) && YAML_11_INT.test(data),
  construct: (data: string) => {
    if (PLAIN_DECIMAL.test(data)) return Number(data);
    const sign = data.startsWith('-') ? -1 : 1;
    const digits = data.replace(/^[-+]/, '').replace(/_/g, '');
    if (digits.startsWith('0b')) return sign * parseInt(digits.slice(2), 2);
    if (digits.startsWith('0x')) return sign * parseInt(digits.slice(2), 16);
    if (digits.length > 1 && digits.startsWith('0')) return sign * parseInt(digits.slice(1), 8);
    return sign * parseInt(digits, 10);
  },
  predicate: (value: unknown) => typeof value === 'number' && Number.isInteger(value) && !Object.is(value, -0),
  represent: (value: object) => String(value.valueOf()),
});

// js-yaml exports its built-in types at run time; @types/js-yaml does not declare them.
const builtInTypes = (jsyaml as unknown as { types: Record<'null' | 'float' | 'merge', jsyaml.Type> }).types;

export const KUBERNETES_YAML_SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [builtInTypes.null, yaml11Boolean, yaml11Int, builtInTypes.float, builtInTypes.merge],
});

// In a flow collection, go-yaml (sigs.k8s.io/yaml, what Kubernetes reads manifests with) ends a plain
// scalar at `:` only when a blank follows; js-yaml, like the YAML spec, also ends it at `:` before
// `,` `]` `}`. So `[1.2.3.4, 001:db8::]` is two strings to the API server but a string and a map to
// js-yaml. Such scalars are quoted before parsing (only documents where `:` precedes a flow
// indicator pay for the scan).
const COLON_BEFORE_FLOW_INDICATOR = /:[,[\]{}]/;
const FLOW_START = /^(\s*(?:-\s+)*(?:(?:"[^"]*"|'[^']*'|[^\s#'"[{][^#]*?)\s*:\s+)?)[[{]/;
const BLOCK_SCALAR_HEADER = /(?:^|[:\s-])[|>][-+0-9]*\s*(?:#.*)?$/;

export function quoteFlowScalarsLikeGoYaml(text: string): string {
  if (!COLON_BEFORE_FLOW_INDICATOR.test(text)) return text;
  const lines = text.split('\n');
  let depth = 0;
  let blockIndent = -1; // inside a block scalar: lines indented more than this are its content
  let quote = ''; // an open quoted scalar that spans lines
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const indent = line.length - line.trimStart().length;
    if (depth === 0 && quote === '') {
      if (blockIndent >= 0 && (line.trim() === '' || indent > blockIndent)) continue;
      blockIndent = -1;
      const start = FLOW_START.exec(line);
      if (!start) {
        if (BLOCK_SCALAR_HEADER.test(line)) blockIndent = indent;
        continue;
      }
      const scanned = scanFlow(line, start[1]!.length, depth, quote);
      lines[index] = scanned.line;
      depth = scanned.depth;
      quote = scanned.quote;
    } else {
      const scanned = scanFlow(line, 0, depth, quote);
      lines[index] = scanned.line;
      depth = scanned.depth;
      quote = scanned.quote;
    }
  }
  return lines.join('\n');
}

const FLOW_INDICATORS = ',[]{}';
const isBlank = (char: string | undefined): boolean => char === undefined || char === ' ' || char === '\t' || char === '\r';

/** Scans one line inside (or from the start of) a flow collection, quoting plain scalars go-yaml reads whole. */
function scanFlow(line: string, from: number, startDepth: number, openQuote: string): { line: string; depth: number; quote: string } {
  let out = line.slice(0, from);
  let depth = startDepth;
  let quote = openQuote;
  let position = from;
  while (position < line.length) {
    const char = line[position]!;
    if (quote !== '') {
      out += char;
      if (quote === '"' && char === '\\') {
        out += line[position + 1] ?? '';
        position += 2;
        continue;
      }
      if (char === quote) {
        if (quote === "'" && line[position + 1] === "'") {
          out += "'";
          position += 2;
          continue;
        }
        quote = '';
      }
      position++;
      continue;
    }
    if (char === '"' || char === "'") {
      quote = char;
      out += char;
      position++;
    } else if (char === '[' || char === '{') {
      depth++;
      out += char;
      position++;
    } else if (char === ']' || char === '}') {
      depth--;
      out += char;
      position++;
      if (depth === 0) return { line: out + line.slice(position), depth, quote };
    } else if (char === '#' && (position === 0 || isBlank(line[position - 1]))) {
      return { line: out + line.slice(position), depth, quote };
    } else if (isBlank(char) || char === ',' || (char === ':' && isBlank(line[position + 1]))) {
      out += char;
      position++;
    } else {
      // A plain scalar, read as go-yaml does.
      let end = position;
      while (end < line.length) {
        const next = line[end]!;
        if (next === ':' && isBlank(line[end + 1])) break;
        if (FLOW_INDICATORS.includes(next) && next !== '[' && next !== '{') break;
        if (next === '#' && isBlank(line[end - 1])) break;
        end++;
      }
      const scalar = line.slice(position, end).replace(/[ \t]+$/, '');
      const rest = line.slice(position + scalar.length, end);
      out += COLON_BEFORE_FLOW_INDICATOR.test(`${scalar}${rest === '' ? line[end] ?? '' : ''}`)
        ? `'${scalar.replace(/'/g, "''")}'${rest}`
        : scalar + rest;
      position = end;
    }
  }
  return { line: out, depth, quote };
}

/** A YAML syntax error or a duplicate key, with its position in the file (1-based). */
export class ManifestSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
    readonly duplicateKey: boolean,
  ) {
    super(`${reason} (line ${line}, column ${column})`);
    this.name = 'ManifestSyntaxError';
  }
}

/** Parses one document (from `splitDocuments`); duplicate keys are errors, as in `kubectl --validate=strict`. */
export function parseDocumentSource(source: DocumentSource): unknown {
  try {
    return jsyaml.load(quoteFlowScalarsLikeGoYaml(source.text), { schema: KUBERNETES_YAML_SCHEMA });
  } catch (error) {
    if (error instanceof jsyaml.YAMLException) {
      const mark = error.mark as { line: number; column: number } | undefined;
      throw new ManifestSyntaxError(
        error.reason,
        source.line + (mark?.line ?? 0),
        (mark?.column ?? 0) + 1,
        error.reason.startsWith('duplicated mapping key'),
      );
    }
    throw error;
  }
}

/** Every non-empty document of a stream, parsed (throws ManifestSyntaxError on the first bad one). */
export function parseAllManifests(text: string): unknown[] {
  return splitDocuments(text).map(parseDocumentSource).filter((value) => value !== null && value !== undefined);
}

export interface LoadedManifest {
  file: string;
  /** The document's first line in the file. */
  line: number;
  index: number;
  object: Record<string, unknown>;
}

/** The objects of every manifest file under `paths` (files and folders), in file and document order. */
export async function loadManifests(paths: readonly string[]): Promise<LoadedManifest[]> {
  const { files, unreadable } = await findManifestFiles(paths);
  if (unreadable.length > 0) throw new Error(`cannot read ${unreadable.map((u) => `${u.path} (${u.reason})`).join(', ')}`);
  const manifests: LoadedManifest[] = [];
  for (const file of files) {
    for (const source of splitDocuments(await readFile(file, 'utf8'))) {
      let object: unknown;
      try {
        object = parseDocumentSource(source);
      } catch (error) {
        if (error instanceof ManifestSyntaxError) throw new Error(`${file}:${error.line}:${error.column}: ${error.reason}`);
        throw error;
      }
      if (object && typeof object === 'object' && !Array.isArray(object)) {
        manifests.push({ file, line: source.line, index: source.index, object: object as Record<string, unknown> });
      }
    }
  }
  return manifests;
}

/** A field of a document: keys and list indexes from the document's root. */
export type FieldPath = readonly (string | number)[];

export interface FilePosition { line: number; column: number }

/**
 * Where fields of a document are written: the line and column of a field's key (of the item, for
 * list items), or of the deepest part of the path that exists. The first call parses the document
 * again with positions, which costs several times the plain parse: use it only for documents that
 * have something to report.
 */
export function fieldLocator(source: DocumentSource): (path: FieldPath) => FilePosition {
  let parsed: { root: unknown; lineCounter: LineCounterType } | undefined;
  return (path) => {
    const topLevel = path.length === 0 ? firstContentLine(source) : path.length === 1 ? topLevelKeyLine(source, String(path[0])) : undefined;
    if (topLevel !== undefined) return { line: source.line + topLevel, column: 1 };
    const { LineCounter, parseDocument, isMap, isScalar, isSeq } = yamlPackage();
    if (!parsed) {
      const lineCounter = new LineCounter();
      const document = parseDocument(source.text, { lineCounter, uniqueKeys: false, version: '1.1' });
      parsed = { root: document.contents, lineCounter };
    }
    let node = parsed.root;
    let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) break;
        offset = (pair.key as YamlNode).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        node = node.items[segment];
        offset = (node as YamlNode | null)?.range?.[0] ?? offset;
      } else {
        break;
      }
    }
    const { line, col } = parsed.lineCounter.linePos(offset);
    return { line: source.line + line - 1, column: col };
  };
}

/** Index (from 0) of the document's first line that is not blank or a comment. */
function firstContentLine(source: DocumentSource): number | undefined {
  const lines = source.text.split('\n');
  const index = lines.findIndex((line) => !/^\s*(#.*)?\r?$/.test(line));
  return index >= 0 && !/^\s/.test(lines[index]!) ? index : undefined;
}

/** Index of the line `key:` at column 1 of a block mapping document (the common layout), if any. */
function topLevelKeyLine(source: DocumentSource, key: string): number | undefined {
  if (!/^[A-Za-z0-9_.-]+$/.test(key)) return undefined;
  const pattern = new RegExp(`^${key.replace(/\./g, '\\.')}\\s*:(\\s|$)`);
  const lines = source.text.split('\n');
  const index = lines.findIndex((line) => pattern.test(line));
  return index >= 0 ? index : undefined;
}

/** Dotted form of a field path for messages: `spec.template.spec.containers[0].image`. */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
