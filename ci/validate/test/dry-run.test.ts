// The real API server (the test control plane: kube-apiserver with Istio's CRDs) agrees with the
// validator: every project manifest is accepted by a server-side dry run with strict field
// validation, and the documents the validator rejects for schema reasons are rejected too.
// The manifests go to a namespace of their own (created for real, deleted after), so the test
// neither depends on nor disturbs what other tests put in lirmm-services. Requests are sent raw:
// @kubernetes/client-node's KubernetesObjectApi serializes objects through its typed models,
// which silently drops unknown fields, so the server would never see them.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { server } from '../../../packages/testkit/src/index.ts';
import { LAB_MANIFEST } from '../../lib/image-sources.ts';
import { loadManifests, parseAllManifests } from '../../lib/manifests.ts';
import { REPO_ROOT, validate } from '../index.ts';
import { fixture } from './helpers.ts';
import { readFileSync } from 'node:fs';

const kubeconfigPath = server('SHOPMESH_KUBECONFIG');
const dryRun = suite('server-side dry run on the test control plane');
const it = kubeconfigPath ? dryRun : dryRun.skip;

const namespace = `validate-dry-run-${randomBytes(3).toString('hex')}`;
let kubeConfig: KubeConfig;

interface Answer { status: number; body: string }

async function call(method: string, path: string, body?: unknown): Promise<Answer> {
  const options: RequestOptions = { method, headers: { accept: 'application/json', 'content-type': 'application/json' } };
  await kubeConfig.applyToHTTPSOptions(options);
  const url = new URL(path, kubeConfig.getCurrentCluster()!.server);
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url, options, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    request.on('error', reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const discovery = new Map<string, { name: string; kind: string; namespaced: boolean }[]>();

/** The REST collection of an object (e.g. /apis/apps/v1/namespaces/ns/deployments), found by API discovery. */
async function collectionOf(object: Record<string, unknown>): Promise<string> {
  const apiVersion = String(object.apiVersion);
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  if (!discovery.has(apiVersion)) {
    const answer = await call('GET', base);
    assert.is(answer.status, 200, `discovery of ${apiVersion}: ${answer.body}`);
    discovery.set(apiVersion, (JSON.parse(answer.body) as { resources: { name: string; kind: string; namespaced: boolean }[] }).resources);
  }
  const resource = discovery.get(apiVersion)!.find((r) => r.kind === object.kind && !r.name.includes('/'));
  assert.ok(resource, `the server serves ${apiVersion} ${String(object.kind)}`);
  const metadata = object.metadata as { namespace?: string };
  return resource.namespaced ? `${base}/namespaces/${metadata.namespace}/${resource.name}` : `${base}/${resource.name}`;
}

dryRun.before(async () => {
  if (!kubeconfigPath) return;
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const created = await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  assert.is(created.status, 201, created.body);
});

dryRun.after(async () => {
  if (kubeconfigPath) await call('DELETE', `/api/v1/namespaces/${namespace}`);
});

/** The object moved to the test namespace (Namespace objects renamed to it). */
function inTestNamespace(object: Record<string, unknown>): Record<string, unknown> {
  const metadata = { ...(object.metadata as Record<string, unknown>) };
  if (object.kind === 'Namespace') metadata.name = namespace;
  else metadata.namespace = namespace;
  return { ...object, metadata };
}

/** `kubectl create --dry-run=server --validate=strict`. */
async function dryRunCreate(object: Record<string, unknown>): Promise<{ ok: true } | { ok: false; code: number; message: string }> {
  const answer = await call('POST', `${await collectionOf(object)}?dryRun=All&fieldValidation=Strict&fieldManager=shopmesh-validate-test`, object);
  if (answer.status === 201 || answer.status === 200) return { ok: true };
  let message = answer.body;
  try {
    message = (JSON.parse(answer.body) as { message?: string }).message ?? message;
  } catch {
    // not a Status object: keep the raw body
  }
  return { ok: false, code: answer.status, message };
}

/**
 * NodePorts are cluster-wide: when other tests have applied the same manifests for real (the deploy
 * tests do), a dry-run copy in another namespace cannot get its fixed nodePort. That is only
 * accepted when the Service holding the port has the same name.
 */
async function nodePortHeldByTheSameService(object: Record<string, unknown>, message: string): Promise<boolean> {
  const port = /nodePort: Invalid value: (\d+): provided port is already allocated/.exec(message)?.[1];
  if (object.kind !== 'Service' || port === undefined) return false;
  const answer = await call('GET', '/api/v1/services');
  const services = (JSON.parse(answer.body) as { items: { metadata: { name: string }; spec: { ports?: { nodePort?: number }[] } }[] }).items;
  const holder = services.find((service) => (service.spec.ports ?? []).some((p) => p.nodePort === Number(port)));
  return holder?.metadata.name === (object.metadata as { name?: string }).name;
}

it('every project manifest (k8s/ and the lab controller) is accepted by the API server, as by the validator', async () => {
  const paths = [join(REPO_ROOT, 'k8s'), join(REPO_ROOT, LAB_MANIFEST)];
  const report = await validate(paths);
  assert.is(report.errors, 0);
  const manifests = await loadManifests(paths);
  assert.ok(manifests.length >= 50, `${manifests.length} objects`);
  const rejected: string[] = [];
  for (const manifest of manifests) {
    const outcome = await dryRunCreate(inTestNamespace(manifest.object));
    const label = `${String(manifest.object.kind)}/${String((manifest.object.metadata as { name?: string }).name)}`;
    // The Namespace object exists (the test's own): a dry-run create of it may only conflict.
    if (!outcome.ok && !(manifest.object.kind === 'Namespace' && outcome.code === 409)
      && !(await nodePortHeldByTheSameService(manifest.object, outcome.message))) {
      rejected.push(`${manifest.file}:${manifest.line} ${label}: ${outcome.code} ${outcome.message}`);
    }
  }
  assert.equal(rejected, []);
});

it('documents the validator rejects for schema reasons are rejected by the API server too', async () => {
  const cases: [string, RegExp][] = [
    ['schema/unknown-field.yaml', /unknown field "spec\.replica"/],
    ['schema/wrong-type.yaml', /cannot unmarshal|Invalid value|expected/i],
    ['schema/missing-field.yaml', /Required value/],
    ['schema/invalid-value.yaml', /Unsupported value|one and only one schema \(oneOf\)/],
  ];
  for (const [file, expected] of cases) {
    const report = await validate([fixture(file)], { schemaOnly: true });
    const documents = parseAllManifests(readFileSync(fixture(file), 'utf8')) as Record<string, unknown>[];
    const invalidDocuments = new Set(report.findings.map((finding) => finding.resource));
    assert.is(invalidDocuments.size, documents.length, `the validator rejects every document of ${file}`);
    for (const document of documents) {
      const outcome = await dryRunCreate(inTestNamespace(document));
      assert.ok(!outcome.ok, `the API server rejects ${file} ${String(document.kind)}`);
      if (!outcome.ok) {
        assert.ok(outcome.code >= 400 && outcome.code < 500, `${file}: HTTP ${outcome.code}`);
        assert.match(outcome.message, expected, `${file}: ${outcome.message}`);
      }
    }
  }
});

it("CRD CEL rules and list types: the API server (with Istio's CRDs) agrees with the validator document by document", async () => {
  for (const file of ['schema/cel.yaml', 'schema/list-type.yaml']) {
    const report = await validate([fixture(file)], { schemaOnly: true });
    const flagged = new Set(report.findings.map((finding) => finding.resource));
    const documents = parseAllManifests(readFileSync(fixture(file), 'utf8')) as Record<string, unknown>[];
    assert.ok(flagged.size >= 1 && flagged.size < documents.length, `${file} has flagged documents and valid twins`);
    for (const document of documents) {
      const label = `${String(document.kind)}/${String((document.metadata as { name?: string }).name)}`;
      const outcome = await dryRunCreate(inTestNamespace(document));
      if (flagged.has(label)) {
        assert.ok(!outcome.ok, `the API server rejects ${file} ${label} too`);
        if (!outcome.ok) assert.match(outcome.message, /Invalid value|Duplicate value|must|may not|cannot|allowed/, `${label}: ${outcome.message}`);
      } else {
        assert.ok(outcome.ok, `the API server accepts ${file} ${label}: ${outcome.ok ? '' : outcome.message}`);
      }
    }
  }
});

it('the valid fixture set is accepted by the API server, as by the validator', async () => {
  const objects = parseAllManifests(readFileSync(fixture('base.yaml'), 'utf8')) as Record<string, unknown>[];
  for (const object of objects) {
    const outcome = await dryRunCreate(inTestNamespace(object));
    assert.ok(outcome.ok || (object.kind === 'Namespace' && outcome.code === 409), `${String(object.kind)}: ${outcome.ok ? '' : outcome.message}`);
  }
});

dryRun.run();
