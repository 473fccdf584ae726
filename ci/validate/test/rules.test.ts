// Each cross-resource rule against a fixture that breaks it (fixtures/rules/<ID>.yaml, checked
// together with the valid fixtures/base.yaml): the rule's ID at the exact line of the offending
// field, and nothing else.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { validate } from '../index.ts';
import { RULES } from '../rules/index.ts';
import { describeFindings, fixture, FIXTURE_ROOT, positions } from './helpers.ts';

/**
 * Fixture -> the findings it must produce in it, as RULE@line (line of the offending field). Each
 * fixture also holds a valid twin of what it breaks, which must not be reported.
 */
const EXPECTED: Record<string, string[]> = {
  SVC001: ['SVC001@8'],
  SVC002: ['SVC002@13'],
  PRB001: ['PRB001@31'],
  WRK001: ['WRK001@8'],
  WRK002: ['WRK002@17'],
  ENV001: ['ENV001@27', 'ENV001@29'],
  ENV002: ['ENV002@29'],
  IST001: ['IST001@12'],
  IST002: ['IST002@12', 'IST002@17'],
  IST003: ['IST003@17'],
  IST004: ['IST004@8'],
  IST005: ['IST005@14'],
  'IST002-exportTo': ['SCH007@24', 'IST002@41', 'IST002@45'],
  IST006: ['IST006@21'],
  IST007: ['IST007@12'],
  IST008: ['IST008@14'],
  IST009: ['IST009@23'],
  IST010: ['IST010@16'],
  IST011: ['IST011@27'],
  IST012: ['IST012@9'],
  IST013: ['IST013@20'],
  'IST013-no-selector': ['IST013@17'],
  IST014: ['IST014@15'],
  IST015: ['IST015@8'],
  IST016: ['IST016@13'],
  IST017: ['IST017@12'],
  IST018: ['IST018@27'],
  IST019: ['IST019@26'],
  PRB002: ['PRB002@24'],
  PRT001: ['PRT001@12', 'PRT001@37'],
  'WRK002-alias': ['WRK002@16'],
  MSH001: ['MSH001@4'],
  MSH002: ['MSH002@12'],
  KND001: ['KND001@5'],
  KND002: ['KND002@15', 'KND002@19'],
  SRV002: ['SRV002@21'],
  IMG001: ['IMG001@21', 'IMG001@27'],
  RES001: ['RES001@22', 'RES001@25'],
  SEC001: ['SEC001@21', 'SEC001@25'],
};

test('the base fixture breaks no rule (so each fixture below breaks only its own)', async () => {
  const report = await validate([fixture('base.yaml')], { root: FIXTURE_ROOT });
  assert.is(report.resources, 10);
  assert.equal(report.findings, [], describeFindings(report.findings));
});

for (const [ruleId, expected] of Object.entries(EXPECTED)) {
  test(`${ruleId}: its fixture is reported at the offending field's line`, async () => {
    const file = fixture(`rules/${ruleId}.yaml`);
    const report = await validate([fixture('base.yaml'), file], { root: FIXTURE_ROOT });
    const inFixture = report.findings.filter((finding) => finding.file === file);
    assert.equal(report.findings.length, inFixture.length, describeFindings(report.findings));
    assert.equal(positions(inFixture), expected, describeFindings(inFixture));
    for (const finding of inFixture) {
      assert.ok(finding.hint.length > 10, `a fix hint for ${finding.ruleId}`);
      assert.ok(finding.resource !== '-', 'findings about a resource name it');
    }
  });
}

test('SRV001: a service folder with a Dockerfile and no Deployment is reported at its Dockerfile', async () => {
  const root = fixture('root-two-services');
  const report = await validate([fixture('base.yaml'), fixture('rules/SRV001.yaml')], { root });
  assert.equal(report.findings.map((f) => [f.ruleId, f.file, f.line]), [
    ['SRV001', `${root}/services/omega-service/Dockerfile`, 1],
  ]);
  assert.match(report.findings[0]!.message, /omega-service/);
});

test('ENV002 is a warning, every other rule finding an error', async () => {
  const report = await validate([fixture('base.yaml'), fixture('rules/ENV002.yaml')], { root: FIXTURE_ROOT });
  assert.equal(report.findings.map((f) => f.severity), ['warning']);
  assert.is(report.errors, 0);
  const errors = await validate([fixture('base.yaml'), fixture('rules/SVC001.yaml')], { root: FIXTURE_ROOT });
  assert.equal(errors.findings.map((f) => f.severity), ['error']);
});

/** istioctl analyze codes the Istio rules report next to their own ID. */
const ISTIO_CODES: Record<string, string> = {
  IST006: 'IST0132', IST007: 'IST0162', IST008: 'IST0145', IST009: 'IST0109', IST010: 'IST0101', IST011: 'IST0138',
  IST012: 'IST0127', IST013: 'IST0110', IST015: 'IST0174', IST016: 'IST0173', IST017: 'IST0116', IST018: 'IST0177', IST019: 'IST0112',
};

test('Istio rules carry the istioctl analyze code, shown next to the rule ID', async () => {
  for (const [ruleId, code] of Object.entries(ISTIO_CODES)) {
    const report = await validate([fixture('base.yaml'), fixture(`rules/${ruleId}.yaml`)], { root: FIXTURE_ROOT });
    assert.equal(report.findings.map((f) => [f.ruleId, f.istioCode]), [[ruleId, code]], describeFindings(report.findings));
  }
  const noSelector = await validate([fixture('base.yaml'), fixture('rules/IST013-no-selector.yaml')], { root: FIXTURE_ROOT });
  assert.equal(noSelector.findings.map((f) => f.istioCode), ['IST0111']);
  const { formatText } = await import('../output/text.ts');
  const report = await validate([fixture('base.yaml'), fixture('rules/IST006.yaml')], { root: FIXTURE_ROOT });
  assert.match(formatText(report), / {2}warning {2}IST006 \(istioctl IST0132\) {2}VirtualService\/web-vs {2}host "web\.example\.com"/);
});

test('every rule has a fixture, and rule IDs are unique', () => {
  const ids = RULES.map((rule) => rule.id);
  assert.equal(new Set(ids).size, ids.length);
  const withFixture = new Set(Object.keys(EXPECTED).map((name) => name.split('-')[0]!));
  assert.equal([...ids].sort(), [...withFixture, 'SRV001'].sort());
});

test('--schema-only skips the rules: the broken fixtures are schema-valid', async () => {
  const files = Object.keys(EXPECTED).map((id) => fixture(`rules/${id}.yaml`));
  const report = await validate([fixture('base.yaml'), ...files], { root: FIXTURE_ROOT, schemaOnly: true });
  // Only the ServiceEntry host "*", which Istio's CRD itself rejects (a CEL rule).
  assert.equal(positions(report.findings), ['SCH007@24'], describeFindings(report.findings));
});

test.run();
