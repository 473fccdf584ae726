import { readFileSync } from 'node:fs';
import { checkManifestText } from '../check-documents.ts';
import { SchemaValidator } from '../schema-validator.ts';
const f = process.argv[2]!;
const r = checkManifestText(f, readFileSync(f, 'utf8'), new SchemaValidator(), false);
for (const x of r.findings) console.log(`${x.file}:${x.line}:${x.column}  ${x.severity}  ${x.ruleId}  ${x.resource}  ${x.message}\n    fix: ${x.hint}`);
