// --image-map: the file format and its errors (file:line), the replacement of container images in
// the project's real manifests (nothing else changes, the loaded objects are not mutated), and the
// flag end to end through `ci/pipeline.ts --plan` run as a user would.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  applyImageMap,
  ImageMapError,
  loadImageMap,
  normalizeImage,
  parseImageMap,
  unusedEntries,
} from '../lib/image-map.ts';
import { parseOptions, UsageError } from '../lib/options.ts';
import { INFRA_MANIFESTS, loadObjects } from '../steps/deploy.ts';
import { makeTree, removeTree, REPO_ROOT } from './fixtures.ts';

const STANDIN_MAP = join(REPO_ROOT, 'testenv/images/image-map.yaml');

function imagesOf(objects: readonly KubernetesObject[]): string[] {
  return objects
    .filter((object) => object.kind === 'Deployment')
    .flatMap((object) => {
      const spec = (object as V1Deployment).spec?.template.spec;
      return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((container) => container.image ?? '');
    });
}

function refusal(text: string): string {
  try {
    parseImageMap(text, 'map.yaml');
  } catch (error) {
    assert.instance(error, ImageMapError);
    assert.instance(error, UsageError);
    return (error as Error).message;
  }
  assert.unreachable(`accepted:\n${text}`);
  return '';
}

test('a map is one YAML mapping of image references, quoted or not; an empty file maps nothing', () => {
  const map = parseImageMap(
    '# comment\npostgres:16.10-alpine: mirror.local:5000/postgres:16.10-alpine\n"confluentinc/cp-kafka:7.9.0": shopmesh/standin-kafka:7.9.0\nbusybox: busybox@sha256:' +
      'a'.repeat(64) +
      '\n',
    'map.yaml',
  );
  assert.equal(
    map.entries.map((entry) => [entry.from, entry.to, entry.line]),
    [
      ['postgres:16.10-alpine', 'mirror.local:5000/postgres:16.10-alpine', 2],
      ['confluentinc/cp-kafka:7.9.0', 'shopmesh/standin-kafka:7.9.0', 3],
      ['busybox', `busybox@sha256:${'a'.repeat(64)}`, 4],
    ],
  );
  assert.equal(parseImageMap('', 'empty.yaml').entries, []);
  assert.equal(parseImageMap('# nothing yet\n', 'empty.yaml').entries, []);
});

test('references are compared as a runtime reads them: docker.io/library and :latest are implied', () => {
  assert.is(normalizeImage('postgres:16'), 'docker.io/library/postgres:16');
  assert.is(normalizeImage('docker.io/library/postgres:16'), 'docker.io/library/postgres:16');
  assert.is(normalizeImage('confluentinc/cp-kafka'), 'docker.io/confluentinc/cp-kafka:latest');
  assert.is(normalizeImage('localhost:5000/a/b'), 'localhost:5000/a/b:latest');
  assert.is(normalizeImage('registry.k8s.io/pause:3.10'), 'registry.k8s.io/pause:3.10');
  const objects = [{ kind: 'Pod', metadata: { name: 'p', namespace: 'n' }, spec: { containers: [{ name: 'db', image: 'docker.io/library/postgres:16' }] } }] as unknown as KubernetesObject[];
  const { replacements } = applyImageMap(objects, parseImageMap('postgres:16: mirror.local/postgres:16\n', 'm.yaml'));
  assert.equal(replacements, [{ object: 'Pod/n/p', container: 'db', from: 'docker.io/library/postgres:16', to: 'mirror.local/postgres:16' }]);
});

test('bad map files are refused with the file, the line and what to write instead', () => {
  assert.match(refusal('- postgres:16\n'), /^map\.yaml:1: must be a mapping of image references, one "from: to" per line/);
  assert.match(refusal('redis:7: shopmesh/redis:7\npostgres:16:\n'), /^map\.yaml:2: postgres:16 must map to an image reference \(a string\), not null/);
  assert.match(refusal('redis:7: [a, b]\n'), /^map\.yaml:1: redis:7 must map to an image reference \(a string\), not \["a","b"\]/);
  assert.match(refusal('redis:7: shopmesh/redis:7\nPostgres:16: mirror/postgres:16\n'), /^map\.yaml:2: "Postgres:16" is not an image reference/);
  assert.match(refusal('redis:7: "shopmesh redis"\n'), /^map\.yaml:1: redis:7 maps to "shopmesh redis", which is not an image reference/);
  assert.match(refusal('postgres:16: a/b:1\ndocker.io/library/postgres:16: a/b:2\n'), /^map\.yaml:2: docker\.io\/library\/postgres:16 is the image of line 1 \(postgres:16\) again/);
  assert.match(refusal('redis:7: a/b:1\nredis:7: a/b:2\n'), /^map\.yaml:2:\d+: duplicated mapping key/);
  assert.match(refusal('redis:7: [unclosed\n'), /^map\.yaml:\d+:\d+: /);
  assert.match(refusal('a: b/c:1\n---\nd: e/f:1\n'), /^map\.yaml:3: one YAML document expected/);
});

test('a map file that cannot be read is named with the reason', async () => {
  await loadImageMap('/nonexistent/map.yaml').then(
    () => assert.unreachable('read a file that does not exist'),
    (error: Error) => assert.is(error.message, '--image-map /nonexistent/map.yaml: cannot read it: no such file or directory'),
  );
});

test('the stand-in map applied to k8s/infra-manifests.yaml: only container images change, each mapped one, and the loaded objects stay as they were', async () => {
  const map = await loadImageMap(STANDIN_MAP);
  const objects = await loadObjects(REPO_ROOT, [INFRA_MANIFESTS], 'lirmm-services');
  const before = JSON.stringify(objects);
  const { objects: mapped, replacements } = applyImageMap(objects, map);
  assert.is(JSON.stringify(objects), before, 'applyImageMap does not mutate its input');

  const targets = new Map(map.entries.map((entry) => [normalizeImage(entry.from), entry.to]));
  const original = imagesOf(objects);
  assert.equal(imagesOf(mapped), original.map((image) => targets.get(normalizeImage(image)) ?? image));
  assert.is(replacements.length, original.filter((image) => targets.has(normalizeImage(image))).length);
  assert.ok(replacements.filter((item) => item.from === 'postgres:16.10-alpine').length === 5, 'the five databases');

  // Everything but the images is the manifests' own.
  const withoutImages = (list: readonly KubernetesObject[]): string =>
    JSON.stringify(list, (key, value: unknown) => (key === 'image' ? '<image>' : value));
  assert.is(withoutImages(mapped), withoutImages(objects));

  const used = new Set(original.map(normalizeImage));
  assert.equal(
    unusedEntries(map, replacements).map((entry) => entry.from),
    map.entries.filter((entry) => !used.has(normalizeImage(entry.from))).map((entry) => entry.from),
  );
});

test('--image-map FILE is an option; its absence maps nothing', () => {
  assert.is(parseOptions(['--image-map', 'testenv/images/image-map.yaml'], {}).imageMap, 'testenv/images/image-map.yaml');
  assert.is(parseOptions([], {}).imageMap, undefined);
  assert.throws(() => parseOptions(['--image-map'], {}), (error: Error) => error instanceof UsageError);
});

function pipeline(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'ci/pipeline.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: '', HOME: '/nonexistent', KUBECONFIG: '/nonexistent/kubeconfig' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

test('--plan --image-map lists every replacement by workload and container, and warns of an entry no manifest uses', () => {
  const dir = makeTree({
    'map.yaml': 'redis:7.4.6-alpine: mirror.local:5000/redis:7.4.6-alpine\n"nginx:1.27": mirror.local:5000/nginx:1.27\n',
  });
  try {
    const { status, output } = pipeline(['--plan', '--image-map', join(dir, 'map.yaml')]);
    assert.is(status, 0, output);
    assert.match(output, `[deploy] image map ${join(dir, 'map.yaml')}: 2 entries`);
    assert.match(output, '[deploy]   redis:7.4.6-alpine -> mirror.local:5000/redis:7.4.6-alpine: Deployment/lirmm-services/redis-deployment (redis)');
    assert.match(output, '[deploy]   nginx:1.27 -> mirror.local:5000/nginx:1.27: warning: no container of the manifests uses nginx:1.27 (line 2)');
  } finally {
    removeTree(dir);
  }
});

test('a bad --image-map stops the pipeline before any stage, exit 2, naming file and line', () => {
  const dir = makeTree({ 'map.yaml': 'redis:7.4.6-alpine: mirror.local/redis:7\npostgres:16.10-alpine: 42\n' });
  try {
    const { status, output } = pipeline(['--image-map', join(dir, 'map.yaml')]);
    assert.is(status, 2, output);
    assert.match(output, `pipeline: ${join(dir, 'map.yaml')}:2: postgres:16.10-alpine must map to an image reference (a string), not 42`);
    assert.not.match(output, '[preflight]');
  } finally {
    removeTree(dir);
  }
});

test.run();
