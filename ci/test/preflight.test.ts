// preflight: the tools the options need, looked up on a PATH the test controls.
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, memorySink } from '../lib/log.ts';
import { parseOptions } from '../lib/options.ts';
import { ISTIO_VERSION } from '../lib/versions.ts';
import { MissingToolsError, requiredTools, runPreflight } from '../steps/preflight.ts';
import { makeTree, removeTree } from './fixtures.ts';

async function withPath<T>(path: string, work: () => Promise<T>): Promise<T> {
  const saved = { PATH: process.env.PATH, DOCKER_CLI: process.env.DOCKER_CLI };
  process.env.PATH = path;
  delete process.env.DOCKER_CLI;
  try {
    return await work();
  } finally {
    process.env.PATH = saved.PATH;
    if (saved.DOCKER_CLI !== undefined) process.env.DOCKER_CLI = saved.DOCKER_CLI;
  }
}

test('what each option set needs: kind only for a kind target, docker unless nothing is built or loaded', () => {
  const names = (argv: string[]): string[] => requiredTools(parseOptions(argv, {})).filter((tool) => !tool.optional).map((tool) => tool.name);
  assert.equal(names([]), ['docker', 'kind', 'istioctl']);
  assert.equal(names(['--context', 'prod', '--registry', 'r:5000', '--skip-build']), ['istioctl']);
  assert.equal(names(['--context', 'prod', '--registry', 'r:5000', '--builder', 'docker']), ['docker', 'istioctl']);
});

test('nothing on PATH: one message names every missing tool with how to install it', async () => {
  const empty = makeTree({});
  try {
    const error = await withPath(empty, () => runPreflight(parseOptions([], {}), new Log(() => undefined))).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    assert.instance(error, MissingToolsError);
    const message = error?.message ?? '';
    assert.match(message, /docker \(.*\): install Docker Engine/);
    assert.match(message, /kind \(.*\): go install sigs.k8s.io\/kind@v/);
    assert.match(message, `ISTIO_VERSION=${ISTIO_VERSION}`);
    assert.not.match(message, 'kubectl', 'kubectl is optional');
  } finally {
    removeTree(empty);
  }
});

test('tools present: each is reported with its version; an istioctl of another release is flagged', async () => {
  const work = makeTree({
    'bin/istioctl': '#!/bin/sh\necho 1.20.0\n',
    'bin/kind': '#!/bin/sh\necho "kind v0.30.0 go1.24.6 linux/amd64"\n',
    'bin/docker': '#!/bin/sh\necho 28.2.2\n',
  });
  try {
    for (const tool of ['istioctl', 'kind', 'docker']) chmodSync(join(work, 'bin', tool), 0o755);
    const { sink, lines } = memorySink();
    const found = await withPath(`${join(work, 'bin')}:/usr/bin:/bin`, () =>
      runPreflight(parseOptions(['--builder', 'docker'], {}), new Log(sink)),
    );
    assert.match(found, 'docker, kind, istioctl');
    const text = lines.join('\n');
    assert.match(text, 'kind: kind v0.30.0');
    assert.match(text, 'docker: server 28.2.2');
    assert.match(text, `warning: istioctl 1.20.0 is not the pinned Istio ${ISTIO_VERSION}`);
  } finally {
    removeTree(work);
  }
});

test.run();
