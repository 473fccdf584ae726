// YAML and schema checks against fixtures/schema/: each problem at its exact line and column.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validate } from '../index.ts';
import { describeFindings, fixture, positions } from './helpers.ts';

async function check(name: string): Promise<Awaited<ReturnType<typeof validate>>> {
  return validate([fixture(`schema/${name}`)], { schemaOnly: true });
}

test('a YAML syntax error is one finding at its position, and the next document is still checked', async () => {
  const report = await check('yaml-syntax.yaml');
  assert.equal(positions(report.findings, true), ['YAML001@7:10', 'SCH002@14:3'], describeFindings(report.findings));
  assert.match(report.findings[0]!.message, /bad indentation/);
  assert.is(report.findings[1]!.resource, 'ConfigMap/after-the-error');
});

test('a duplicate key is an error at the second occurrence, naming the key and the resource', async () => {
  const report = await check('duplicate-key.yaml');
  assert.equal(positions(report.findings, true), ['YAML002@9:7']);
  assert.is(report.findings[0]!.message, 'duplicate key "port"');
  assert.is(report.findings[0]!.resource, 'Service/twice');
});

test('unknown fields are errors at the unknown key, with the closest allowed name', async () => {
  const report = await check('unknown-field.yaml');
  assert.equal(positions(report.findings, true), ['SCH001@7:3', 'SCH001@17:11'], describeFindings(report.findings));
  assert.is(report.findings[0]!.field, 'spec.replica');
  assert.match(report.findings[0]!.hint, /did you mean "replicas"/);
  assert.is(report.findings[1]!.field, 'spec.template.spec.containers[0].port');
  assert.match(report.findings[1]!.hint, /did you mean "ports"/);
});

test('wrong types are errors at the value, saying what was found and how to write it', async () => {
  const report = await check('wrong-type.yaml');
  assert.equal(positions(report.findings, true), ['SCH002@7:5', 'SCH002@9:3', 'SCH002@16:7'], describeFindings(report.findings));
  assert.match(report.findings[0]!.message, /must be a string, got the boolean false/);
  assert.match(report.findings[0]!.hint, /quote the value: "false"/);
  assert.match(report.findings[1]!.message, /spec\.replicas must be an integer, got the string "2"/);
  assert.match(report.findings[2]!.message, /containers must be a list, got a map/);
});

test('missing required fields are errors at the object that lacks them', async () => {
  const report = await check('missing-field.yaml');
  assert.equal(positions(report.findings, true), ['SCH003@6:1', 'SCH003@10:11'], describeFindings(report.findings));
  assert.match(report.findings[0]!.message, /"selector" in spec$/);
  assert.match(report.findings[1]!.message, /"name" in spec\.template\.spec\.containers\[0\]/);
});

test('values outside an enum, and mutually exclusive fields (Istio), are errors', async () => {
  const report = await check('invalid-value.yaml');
  assert.equal(positions(report.findings, true), ['SCH004@8:5', 'SCH004@18:11'], describeFindings(report.findings));
  assert.match(report.findings[0]!.hint, /"STRICT"/);
  assert.match(report.findings[1]!.message, /"exact" and "prefix"/);
});

test('an unknown kind of a known apiVersion is an error; a kind without schema only a warning', async () => {
  const report = await check('unknown-kind.yaml');
  assert.equal(report.findings.map((f) => [f.ruleId, f.severity, f.line]), [['SCH005', 'error', 3], ['SCH005', 'warning', 7]]);
});

test('documents that are not Kubernetes objects are errors', async () => {
  const report = await check('not-an-object.yaml');
  assert.equal(positions(report.findings, true), ['SCH006@2:1', 'SCH006@4:1']);
});

test('null fields count as absent, as for the API server', async () => {
  const report = await check('nulls.yaml');
  assert.equal(report.findings, []);
  assert.is(report.resources, 1);
});

test('YAML is read as Kubernetes reads it (1.1): unquoted yes is a boolean, a date stays a string', async () => {
  const report = await check('yaml11.yaml');
  assert.equal(positions(report.findings, true), ['SCH002@7:5'], describeFindings(report.findings));
});

test("CEL rules of Istio's CRDs are errors where they fail and silent where they hold (each case has a valid twin)", async () => {
  const report = await check('cel.yaml');
  assert.equal(positions(report.findings, true), ['SCH007@6:1', 'SCH007@26:1', 'SCH007@47:9', 'SCH007@65:3'], describeFindings(report.findings));
  assert.equal(report.findings.map((f) => f.resource), [
    'ServiceEntry/cidr-with-dns', 'WorkloadEntry/socket-with-ports', 'DestinationRule/zero-timeout', 'WasmPlugin/ftp-url',
  ]);
  assert.match(report.findings[0]!.message, /CIDR addresses are allowed only for NONE\/STATIC/);
  assert.match(report.findings[2]!.hint, /duration\(self\) >= duration\('1ms'\)/);
  assert.is(report.findings[3]!.field, 'spec.url');
  assert.is(report.resources, 9);
});

test('every CEL rule of the bundled CRDs compiles with the Kubernetes functions added', async () => {
  const { CrdRules } = await import('../cel/crd-rules.ts');
  const { builtInRegistry } = await import('../schemas/registry.ts');
  const registry = builtInRegistry();
  const rules = new CrdRules(registry.definitions);
  // Every served version of every kind, as the API server has them (identical schemas are stored once).
  const kinds = [...registry.kindKeys()].map((key) => {
    const slash = key.lastIndexOf('/');
    return registry.definitionFor(key.slice(0, slash), key.slice(slash + 1))!;
  });
  const { rules: count, distinct, failed } = rules.compileAll(kinds);
  assert.equal(failed, []);
  assert.ok(count >= 345, `${count} rules over the served versions`);
  assert.ok(distinct >= 36, `${distinct} distinct rules`);
});

test('x-kubernetes-list-type map: a repeated key is an error at the second entry', async () => {
  const report = await check('list-type.yaml');
  assert.equal(positions(report.findings, true), ['SCH008@13:7'], describeFindings(report.findings));
  assert.match(report.findings[0]!.message, /name="http" \(also item 0\)/);
});

test('kind: List: each item is checked and reported at its own lines', async () => {
  const report = await check('list.yaml');
  assert.is(report.resources, 3);
  assert.equal(positions(report.findings, true), ['SCH001@15:5', 'SCH007@21:5'], describeFindings(report.findings));
  assert.equal(report.findings.map((f) => [f.resource, f.field]), [
    ['ConfigMap/misspelt', 'items[1].dta'], ['WorkloadEntry/socket-with-ports', 'items[2].spec'],
  ]);
});

test('YAML is read as go-yaml reads it: 001:db8:: in a flow list is a string, not a map', async () => {
  const report = await check('yaml-flow-colon.yaml');
  assert.equal(report.findings, [], describeFindings(report.findings));
  assert.is(report.resources, 1);
});

test('removed API versions of built-in groups are errors naming the replacement', async () => {
  const report = await check('removed-api.yaml');
  assert.equal(report.findings.map((f) => [f.ruleId, f.severity, f.line, f.resource]), [
    ['SCH009', 'error', 2, 'Deployment/old'], ['SCH009', 'error', 13, 'PodDisruptionBudget/old-pdb'],
  ]);
  assert.match(report.findings[0]!.hint, /apps\/v1\b/);
  assert.match(report.findings[1]!.hint, /policy\/v1\b/);
});

test.run();
