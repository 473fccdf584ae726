// Command line: `node --import tsx ci/validate/cli.ts [options] [FILE|DIR ...]`, also reached as
// `npx tsx ci/pipeline.ts validate ...`. Exit 0: no errors; 1: errors; 2: usage or unreadable paths.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_PATHS, validate } from './index.ts';
import { formatJson } from './output/json.ts';
import { formatText } from './output/text.ts';
import { DOCUMENT_RULES } from './check-documents.ts';
import { SCHEMA_RULES } from './schema-findings.ts';
import { CRD_RULES } from './cel/crd-rules.ts';

export const USAGE = `Usage: validate [options] [FILE|DIR ...]
Checks Kubernetes, Istio and kind manifests: YAML, schemas (unknown fields, types, required
fields, duplicate keys) and cross-resource rules. Default paths: ${DEFAULT_PATHS.join(' ')} (repository root).

Options:
  --json            print the report as JSON
  --schema-only     YAML and schema checks only, no cross-resource rules (third-party manifests)
  --workers N       threads parsing and checking files, this one included (default: by input size)
  --root DIR        repository root, where services/ is (default: this repository)
  --namespace NS    namespace of resources that name none (default: default)
  --list-rules      print every rule ID and what it checks
  -h, --help        print this help

Exit status: 0 no errors, 1 errors found, 2 usage error or unreadable path.
`;

export const EXIT = { ok: 0, errors: 1, usage: 2 } as const;

async function listRules(): Promise<string> {
  const { RULES } = await import('./rules/index.ts');
  const documentRules: [string, string][] = [
    [DOCUMENT_RULES.syntax, 'YAML syntax error'],
    [DOCUMENT_RULES.duplicateKey, 'duplicate key in a map'],
    [SCHEMA_RULES.unknownField, 'unknown field (strict schema)'],
    [SCHEMA_RULES.wrongType, 'value of the wrong type'],
    [SCHEMA_RULES.missingField, 'missing required field'],
    [SCHEMA_RULES.invalidValue, 'value not allowed (enum, pattern, range, exclusive fields)'],
    [DOCUMENT_RULES.noSchema, 'unknown kind for a known apiVersion (error), or no schema for the apiVersion (warning)'],
    [DOCUMENT_RULES.notAnObject, 'document is not a Kubernetes object (apiVersion and kind)'],
    [CRD_RULES.cel, "a CEL validation rule (x-kubernetes-validations) of the kind's CRD fails"],
    [CRD_RULES.listUnique, 'duplicate entry in an x-kubernetes-list-type set or map (CRDs)'],
    [DOCUMENT_RULES.removedApi, 'apiVersion of a built-in group that Kubernetes no longer serves'],
  ];
  return [...documentRules, ...RULES.map((rule): [string, string] => [rule.id, rule.title])].sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, title]) => `${id}  ${title}`).join('\n') + '\n';
}

export async function runValidateCli(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        'schema-only': { type: 'boolean', default: false },
        workers: { type: 'string' },
        root: { type: 'string' },
        namespace: { type: 'string' },
        'list-rules': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`validate: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (values['list-rules']) {
    process.stdout.write(await listRules());
    return EXIT.ok;
  }
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 0)) {
    process.stderr.write(`validate: --workers takes a whole number >= 0, not "${values.workers}"\n`);
    return EXIT.usage;
  }
  const report = await validate(positionals, {
    schemaOnly: values['schema-only'],
    ...(workers !== undefined ? { workers } : {}),
    ...(values.root !== undefined ? { root: values.root } : {}),
    ...(values.namespace !== undefined ? { defaultNamespace: values.namespace } : {}),
  });
  process.stdout.write(values.json ? formatJson(report) : formatText(report));
  if (report.unreadable.length > 0) return EXIT.usage;
  return report.errors > 0 ? EXIT.errors : EXIT.ok;
}

const invokedDirectly = process.argv[1] !== undefined
  && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) process.exitCode = await runValidateCli(process.argv.slice(2));
