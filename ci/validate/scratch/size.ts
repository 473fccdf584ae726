import { Ajv } from 'ajv';
import standalone from 'ajv/dist/standalone/index.js';
import { builtInRegistry } from '../schemas/registry.ts';
const r = builtInRegistry();
for (const opts of [{ allErrors: true, verbose: true }, { allErrors: true, verbose: false }, { allErrors: false, verbose: false }]) {
  const ajv = new Ajv({ ...opts, strict: false, validateFormats: false, code: { source: true } });
  ajv.addSchema({ $id: 's', definitions: r.definitions });
  let t = performance.now();
  const v = ajv.compile({ $ref: 's#/definitions/io.k8s.api.apps.v1.Deployment' });
  const c = performance.now() - t;
  const code = standalone.default(ajv, v);
  t = performance.now();
  const m = { exports: {} as Record<string, unknown> }; new Function('module', 'exports', 'require', code)(m, m.exports, () => ({}));
  console.log(JSON.stringify(opts), 'compile', c.toFixed(0), 'size', code.length, 'load', (performance.now() - t).toFixed(1));
}
