// Third-party manifests (../shared/corpus: Istio's bookinfo and CRDs, Online Boutique, the
// Kubernetes guestbook) pass the schema checks: no false positives on YAML this project did not write.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validate } from '../index.ts';
import { corpusDir, describeFindings } from './helpers.ts';

const dir = corpusDir();
const it = dir ? test : test.skip;

it('every corpus file passes schema validation (no errors)', async () => {
  const files = readdirSync(dir!).filter((name) => /\.ya?ml$/.test(name));
  assert.ok(files.length >= 20, `${files.length} corpus files`);
  const report = await validate(files.map((name) => join(dir!, name)), { schemaOnly: true, workers: 0 });
  assert.is(report.files, files.length);
  assert.is(report.errors, 0, describeFindings(report.findings));
  // The only kinds without a schema here are the Gateway API's (gateway.networking.k8s.io).
  assert.equal(report.findings.map((f) => `${f.severity} ${f.ruleId} ${f.resource}`), [
    'warning SCH005 Gateway/istio-gateway',
    'warning SCH005 HTTPRoute/frontend-route',
  ]);
});

it("Istio's CRD bundle validates as CustomResourceDefinition objects (apiextensions.k8s.io/v1)", async () => {
  const report = await validate([join(dir!, 'istio_crd-all.gen.yaml')], { schemaOnly: true });
  assert.is(report.resources, 15);
  assert.equal(report.findings, []);
});

test.run();
