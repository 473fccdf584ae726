// Image tarballs as Dagger's Container.export writes them (an OCI layout whose index.json names no
// image), named by the pipeline, then imported by a real containerd exactly as `kind load
// image-archive` does on each node (`ctr images import --all-platforms --digests`). The archive is
// built here byte by byte, since the Dagger engine cannot run on this machine.
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pack } from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { isCI, server } from '../../packages/testkit/src/index.ts';
import { nameIndex, nameOciArchive } from '../lib/oci-archive.ts';
import { quietShell } from '../lib/shell.ts';
import { makeTree, removeTree, uniqueName } from './fixtures.ts';

const archives = suite('OCI image archives (real containerd of the test environment)');
// A containerd namespace of this run's own: the clean-up removes every image in it.
const NAMESPACE = uniqueName('shopmesh-ci-oci');
let socket: string | undefined;
// Known when the file loads (the socket is found in `before`), so a skip is decided here.
const testDockerHost = server('DOCKER_HOST');
let work = '';

async function tarOf(files: Record<string, Buffer | string>): Promise<Buffer> {
  const writer = pack();
  const chunks: Buffer[] = [];
  writer.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve) => writer.on('end', () => resolve()));
  for (const [name, content] of Object.entries(files)) writer.entry({ name, mode: 0o644 }, content);
  writer.finalize();
  await done;
  return Buffer.concat(chunks);
}

const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** An OCI image layout with one layer, as a tarball with an index.json that names nothing. */
async function unnamedOciArchive(marker: string): Promise<Buffer> {
  const layer = await tarOf({ 'hello.txt': `hello ${marker}\n` });
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Cmd: ['/hello'] },
    rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] },
  });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha(config)}`, size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${sha(layer)}`, size: layer.length }],
  });
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${sha(manifest)}`,
        size: manifest.length,
        annotations: { 'org.opencontainers.image.created': '2025-01-01T00:00:00Z' },
        platform: { architecture: 'amd64', os: 'linux' },
      },
    ],
  });
  return tarOf({
    'oci-layout': '{"imageLayoutVersion":"1.0.0"}',
    'index.json': index,
    [`blobs/sha256/${sha(layer)}`]: layer,
    [`blobs/sha256/${sha(config)}`]: config,
    [`blobs/sha256/${sha(manifest)}`]: manifest,
  });
}

async function importAsKindDoes(archive: string): Promise<string[]> {
  const ctr = quietShell();
  await ctr`ctr --address ${socket} --namespace ${NAMESPACE} images import --all-platforms --digests ${archive}`;
  const listed = await ctr`ctr --address ${socket} --namespace ${NAMESPACE} images ls -q`;
  return listed.stdout.split('\n').filter(Boolean);
}

archives.before(() => {
  const dockerHost = server('DOCKER_HOST');
  if (!dockerHost) return;
  // The test environment's dockerd runs on its own containerd, beside its socket (testenv/components/docker.sh).
  const candidate = join(dirname(dockerHost.replace(/^unix:\/\//, '')), 'docker-containerd', 'containerd.sock');
  if (!existsSync(candidate)) {
    if (isCI()) throw new Error(`containerd socket ${candidate} not found`);
    console.warn(`SKIP: containerd socket ${candidate} not found`);
    return;
  }
  socket = candidate;
  work = makeTree({});
});

archives.after(async () => {
  if (!socket) return;
  const ctr = quietShell()({ nothrow: true });
  const listed = await ctr`ctr --address ${socket} --namespace ${NAMESPACE} images ls -q`;
  const images = listed.stdout.split('\n').filter(Boolean);
  if (images.length > 0) await ctr`ctr --address ${socket} --namespace ${NAMESPACE} images rm ${images}`;
  await ctr`ctr --address ${socket} namespaces remove ${NAMESPACE}`;
  removeTree(work);
});

archives('index.json gets the containerd image name and the OCI ref name; the rest is kept', () => {
  const named = JSON.parse(nameIndex(JSON.stringify({ schemaVersion: 2, manifests: [{ digest: 'sha256:1', annotations: { a: 'b' } }] }), 'shopmesh/cart-service:0123456789ab'));
  assert.equal(named.manifests[0].annotations, {
    a: 'b',
    'io.containerd.image.name': 'docker.io/shopmesh/cart-service:0123456789ab',
    'org.opencontainers.image.ref.name': '0123456789ab',
  });
  assert.throws(() => nameIndex('{"manifests":[]}', 'x:1'), /no manifest/);
});

(testDockerHost ? archives : archives.skip)('without a name, containerd imports the archive under no usable tag (why the pipeline names it)', async () => {
  const archive = join(work, 'unnamed.tar');
  writeFileSync(archive, await unnamedOciArchive('unnamed'));
  const images = await importAsKindDoes(archive);
  assert.not.ok(images.some((image) => image.includes('shopmesh/')), images.join('\n'));
});

(testDockerHost ? archives : archives.skip)('a named archive is imported by containerd under docker.io/shopmesh/<name>:<tag>, as pods reference it', async () => {
  const tag = `shopmesh/oci-test:${sha(String(Date.now())).slice(0, 12)}`;
  const archive = join(work, 'named.tar');
  writeFileSync(archive, await unnamedOciArchive(tag));
  await nameOciArchive(archive, tag);
  const images = await importAsKindDoes(archive);
  assert.ok(images.includes(`docker.io/${tag}`), images.join('\n'));
});

archives('a tarball that is not an OCI layout is refused with a reason', async () => {
  const archive = join(work || makeTree({}), 'not-oci.tar');
  writeFileSync(archive, await tarOf({ 'manifest.json': '[]' }));
  try {
    await nameOciArchive(archive, 'shopmesh/x:1');
    assert.unreachable('accepted');
  } catch (error) {
    assert.match((error as Error).message, 'not an OCI image archive');
  }
});

archives.run();
