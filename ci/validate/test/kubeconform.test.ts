// The benchmark's baseline is fair: kubeconform (the real binary, built from its Go module) given
// the JSON schemas written from our bundles agrees with our schema checks.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isCI } from '../../../packages/testkit/src/index.ts';
import { ensureKubeconform, writeKubeconformSchemas } from '../bench/kubeconform.ts';
import { builtInRegistry } from '../schemas/registry.ts';
import { validate } from '../index.ts';
import { corpusDir, fixture, temporaryDir, removeTemporaryDirs } from './helpers.ts';

const hasGo = spawnSync('go', ['version']).status === 0;
if (!hasGo) {
  if (isCI()) throw new Error('go is needed to build kubeconform');
  console.warn('SKIP: go is not installed, kubeconform cannot be built');
}
const it = hasGo ? test : test.skip;

interface KubeconformOutput {
  resources: { filename: string; kind: string; name: string; status: string; msg: string }[];
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

function kubeconform(...paths: string[]): KubeconformOutput {
  const registry = builtInRegistry();
  const kinds = [...registry.kindKeys()];
  const locations = writeKubeconformSchemas(temporaryDir('kubeconform-schemas-'), registry, kinds);
  const run = spawnSync(ensureKubeconform(console.log), [
    '-strict', '-summary', '-output', 'json', '-ignore-missing-schemas',
    ...locations.flatMap((location) => ['-schema-location', location]), ...paths,
  ], { encoding: 'utf8' });
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  return JSON.parse(run.stdout) as KubeconformOutput;
}

const corpus = corpusDir();

(hasGo && corpus ? test : test.skip)('kubeconform with our schemas accepts every corpus manifest, as we do', async () => {
  const dir = corpus!;
  const files = readdirSync(dir).filter((name) => name.endsWith('.yaml')).map((name) => join(dir, name));
  const theirs = kubeconform(...files);
  const ours = await validate(files, { schemaOnly: true });
  assert.is(ours.errors, 0);
  assert.equal([theirs.summary.invalid, theirs.summary.errors], [0, 0], JSON.stringify(theirs.resources));
  assert.is(theirs.summary.valid + theirs.summary.skipped, ours.resources);
});

it('kubeconform with our schemas rejects the unknown fields and wrong types we reject', async () => {
  for (const file of ['schema/unknown-field.yaml', 'schema/wrong-type.yaml', 'schema/missing-field.yaml']) {
    const theirs = kubeconform(fixture(file));
    assert.is(theirs.summary.invalid, 1, `${file}: ${JSON.stringify(theirs)}`);
    assert.ok((await validate([fixture(file)], { schemaOnly: true })).errors > 0);
  }
  assert.equal(kubeconform(fixture('base.yaml')).summary.invalid, 0);
});

it('a kind: List is checked item by item, by kubeconform as by us (the benchmark writes some)', async () => {
  const theirs = kubeconform(fixture('schema/list.yaml'));
  const ours = await validate([fixture('schema/list.yaml')], { schemaOnly: true });
  const { valid, invalid, errors, skipped } = theirs.summary;
  assert.is(valid + invalid + errors + skipped, ours.resources);
  assert.is(ours.resources, 3);
  // The misspelt field, which both see; the CEL rule of the WorkloadEntry only we check.
  assert.is(invalid, 1, JSON.stringify(theirs.resources));
  assert.equal(ours.findings.map((f) => f.ruleId), ['SCH001', 'SCH007']);
});

test.after(removeTemporaryDirs);

test.run();
