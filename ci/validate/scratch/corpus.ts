import { readFileSync, readdirSync } from 'node:fs';
import { checkManifestText } from '../check-documents.ts';
import { SchemaValidator } from '../schema-validator.ts';
const v = new SchemaValidator();
for (const f of readdirSync('/work/shared/corpus').filter((f) => f.endsWith('.yaml'))) {
  const t0 = performance.now();
  const r = checkManifestText(f, readFileSync('/work/shared/corpus/' + f, 'utf8'), v, false);
  console.log(f, r.resourceCount, (performance.now() - t0).toFixed(0) + 'ms');
  for (const x of r.findings) console.log('  ', x.line, x.column, x.severity, x.ruleId, x.resource, x.message, '|', x.hint);
}
