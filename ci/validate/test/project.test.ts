// The project's own manifests (k8s/ and kind-cluster-config.yaml, against this repository's
// services/): they pass, and the rules do look at them (a broken copy fails).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { discoverServices } from '../../lib/services.ts';
import { LAB_MANIFEST } from '../../lib/image-sources.ts';
import { DEFAULT_PATHS, REPO_ROOT, validate } from '../index.ts';
import { describeFindings } from './helpers.ts';

test('every project manifest passes: no errors, no warnings', async () => {
  const report = await validate([]);
  assert.equal(report.unreadable, []);
  assert.equal(report.findings, [], describeFindings(report.findings));
  assert.ok(report.files >= 3, `k8s/ and the kind config are read (${report.files} files)`);
  assert.ok(report.resources >= (await discoverServices(REPO_ROOT)).length * 3, 'ServiceAccount, Service and Deployment per service at least');
});

test("with the lab's controller (what the pipeline applies with --with-lab): still no finding", async () => {
  const lab = join(REPO_ROOT, LAB_MANIFEST);
  assert.ok(existsSync(lab), `${LAB_MANIFEST} exists`);
  const report = await validate([...DEFAULT_PATHS.map((path) => join(REPO_ROOT, path)), lab]);
  assert.equal(report.unreadable, []);
  assert.equal(report.findings, [], describeFindings(report.findings));
  assert.ok(report.files >= 4, `${report.files} files`);
});

const copies: string[] = [];
test.after(() => copies.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A copy of k8s/ and the kind config with one edit, and the line the edit is on. */
function brokenCopy(file: string, from: string, to: string): { dir: string; line: number } {
  const dir = mkdtempSync(join(tmpdir(), 'validate-project-'));
  copies.push(dir);
  cpSync(join(REPO_ROOT, 'k8s'), join(dir, 'k8s'), { recursive: true });
  cpSync(join(REPO_ROOT, 'kind-cluster-config.yaml'), join(dir, 'kind-cluster-config.yaml'));
  const text = readFileSync(join(dir, file), 'utf8');
  const at = text.indexOf(from);
  assert.ok(at >= 0, `${file} contains ${JSON.stringify(from)}`);
  writeFileSync(join(dir, file), text.slice(0, at) + to + text.slice(at + from.length));
  return { dir, line: text.slice(0, at).split('\n').length };
}

async function findingsOfCopy(dir: string): Promise<Awaited<ReturnType<typeof validate>>> {
  return validate([join(dir, 'k8s'), join(dir, 'kind-cluster-config.yaml')], { root: REPO_ROOT });
}

test('a payment-service URL with a wrong port in the project manifests is caught (ENV001)', async () => {
  const { dir, line } = brokenCopy('k8s/app-manifests.yaml', 'http://payment-service-svc:3009', 'http://payment-service-svc:3090');
  const report = await findingsOfCopy(dir);
  assert.equal(report.findings.map((f) => [f.ruleId, f.line]), [['ENV001', line]], describeFindings(report.findings));
});

test('removing the ingress port mapping from the kind config is caught (KND001)', async () => {
  const { dir } = brokenCopy('kind-cluster-config.yaml', 'containerPort: 30000', 'containerPort: 30001');
  const report = await findingsOfCopy(dir);
  assert.equal(report.findings.map((f) => f.ruleId), ['KND001'], describeFindings(report.findings));
});

test('a misspelt field in the Istio manifests is caught at its line (SCH001)', async () => {
  const { dir, line } = brokenCopy('k8s/istio/virtual-service.yaml', 'rewrite:', 'rewrit:');
  const report = await findingsOfCopy(dir);
  assert.equal(report.findings.map((f) => [f.ruleId, f.line]), [['SCH001', line]], describeFindings(report.findings));
});

test.run();
