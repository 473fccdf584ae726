// preflight: the tools the options need, looked up on a PATH the test controls.
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, memorySink } from '../lib/log.ts';
import { parseOptions } from '../lib/options.ts';
import { ISTIO_VERSION } from '../lib/versions.ts';
import { main } from '../pipeline.ts';
import { compareVersions, MissingToolsError, PREFLIGHT_EXIT_CODE, requiredTools, runPreflight, versionNumber } from '../steps/preflight.ts';
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
    assert.match(message, /docker 20\.10\+ \(.*\): not found; install Docker Engine/);
    assert.match(message, /kind 0\.30\.0\+ \(.*\): not found; go install sigs.k8s.io\/kind@v/);
    assert.match(message, `ISTIO_VERSION=${ISTIO_VERSION}`);
    assert.not.match(message, 'kubectl', 'kubectl is optional');
  } finally {
    removeTree(empty);
  }
});

test('tools present (stand-in docker, kind, istioctl scripts): each is reported with its version; a newer istioctl is flagged', async () => {
  const work = makeTree({
    'bin/istioctl': '#!/bin/sh\necho 1.29.0\n',
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
    assert.match(text, `warning: istioctl 1.29.0 is not the pinned Istio ${ISTIO_VERSION}`);
  } finally {
    removeTree(work);
  }
});

// Stand-ins answer only the version call preflight makes; anything else fails printing its arguments.
const standIn = (answer: string, expected: string, exitCode = 0): string =>
  `#!/bin/sh\nif [ "$*" = "${expected}" ]; then\n${answer}\nexit ${exitCode}\nfi\necho "unexpected call: $0 $*" >&2\nexit 97\n`;

test('stand-in PATH (docker CLI whose daemon is unreachable, kind 0.20.0, no istioctl): one answer lists all three with the version wanted and the fix, and the pipeline exits 3', async () => {
  const work = makeTree({
    'bin/docker': standIn(
      'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2',
      'version --format {{.Server.Version}}',
      1,
    ),
    'bin/kind': standIn('echo "kind v0.20.0 go1.20.4 linux/amd64"', 'version'),
  });
  try {
    for (const tool of ['docker', 'kind']) chmodSync(join(work, 'bin', tool), 0o755);
    const path = join(work, 'bin');
    const error = await withPath(path, () => runPreflight(parseOptions(['--builder', 'docker'], {}), new Log(() => undefined))).then(
      () => undefined,
      (caught: unknown) => caught as Error,
    );
    assert.instance(error, MissingToolsError);
    const lines = (error?.message ?? '').split('\n');
    assert.match(lines[0] ?? '', '3 tools missing, too old or not working');
    const line = (tool: string): string => lines.find((l) => l.trimStart().startsWith(`${tool} `)) ?? '';
    assert.match(line('docker'), /^ {2}docker 20\.10\+ .*does not work \(.*Cannot connect to the Docker daemon.*\); start the Docker daemon/, line('docker'));
    assert.match(line('kind'), /^ {2}kind 0\.30\.0\+ .*found kind v0\.20\.0 go1\.20\.4 linux\/amd64, too old; go install sigs\.k8s\.io\/kind@v0\.30\.0/);
    assert.match(line('istioctl'), new RegExp(`^ {2}istioctl ${ISTIO_VERSION.replace(/\./g, '\\.')} .*not found; curl .*ISTIO_VERSION=${ISTIO_VERSION}`));

    const { sink, lines: output } = memorySink();
    const code = await withPath(path, () => main(['--builder', 'docker'], new Log(sink)));
    assert.is(code, PREFLIGHT_EXIT_CODE);
    assert.is(PREFLIGHT_EXIT_CODE, 3);
    const text = output.join('\n');
    assert.match(text, 'pipeline FAILED at preflight');
    for (const stage of ['validate', 'cluster', 'build', 'deploy', 'smoke']) assert.match(text, new RegExp(`${stage}\\s+not run`));
  } finally {
    removeTree(work);
  }
});

test('version numbers: the first dotted number of a tool\'s output, compared numerically', () => {
  assert.equal(versionNumber('kind v0.30.0 go1.24.6 linux/amd64'), [0, 30, 0]);
  assert.equal(versionNumber('28.2'), [28, 2, 0]);
  assert.ok(compareVersions([0, 9, 0], [0, 30, 0]) < 0, '0.9 is older than 0.30');
  assert.ok(compareVersions([20, 10, 24], [20, 10, 0]) > 0);
});

test.run();
