// auth-service's image, built with the test environment's Docker engine on the base image
// shopmesh/node:22: it runs as uid 1000, refuses to start without its configuration (naming the
// variables), applies its schema with dist/migrate.js, and answers /healthz and /readyz.
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { createTestDatabase, uniqueSuffix } from '@shopmesh/service-kit/testing';
import { buildServiceImage, docker, type DockerEngine } from '@shopmesh/service-kit/testing-docker';
import { newPrivateKeyPem } from './harness.ts';

const dockerHost = server('DOCKER_HOST');
const baseImage = server('BASE_IMAGE');
const postgresUrl = server('POSTGRES_URL');
const ready = dockerHost && baseImage && postgresUrl;
const it = ready ? test : test.skip;

const repoRoot = new URL('../../..', import.meta.url).pathname;
const tag = 'shopmesh/auth-service:test';

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

let engine: DockerEngine;
test.before(() => {
  if (ready) engine = { host: dockerHost, cli: server('DOCKER_CLI') ?? 'docker' };
});

it('the image builds and its user is uid 1000', async () => {
  const built = await buildServiceImage({ engine, repoRoot, service: 'auth-service', baseImage: baseImage!, tag });
  assert.is(built.code, 0, built.stderr.slice(-3000));
  const user = await docker(engine, ['run', '--rm', '--network', 'host', tag, 'id', '-u']);
  assert.is(user.stdout.trim(), '1000');
  const inspect = await docker(engine, ['image', 'inspect', '--format', '{{json .Config.Cmd}} {{.Config.WorkingDir}} {{json .Config.Healthcheck}}', tag]);
  assert.is(inspect.stdout.trim(), '["node","dist/main.js"] /app null');
  const devTools = await docker(engine, ['run', '--rm', '--network', 'host', tag, 'sh', '-c', 'ls node_modules | grep -cE "^(typescript|eslint|tsx|drizzle-kit|esbuild)$" || true']);
  assert.is(devTools.stdout.trim(), '0', 'no development tools in the final image');
});

it('node dist/main.js without configuration exits 1 naming the missing variables', async () => {
  const result = await docker(engine, ['run', '--rm', '--network', 'host', '-e', 'PORT=70000', tag]);
  assert.is(result.code, 1);
  for (const name of ['DATABASE_URL', 'JWT_PRIVATE_KEY', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'PORT']) {
    assert.ok(result.stderr.includes(name), `${name} named in: ${result.stderr}`);
  }
});

it('dist/migrate.js applies the schema; the service then answers /healthz and /readyz', async () => {
  const database = await createTestDatabase(postgresUrl!, 'auth_image');
  const name = `auth-image-${uniqueSuffix()}`;
  try {
    const migrate = await docker(engine, ['run', '--rm', '--network', 'host', '-e', `DATABASE_URL=${database.url}`, tag, 'node', 'dist/migrate.js']);
    assert.is(migrate.code, 0, migrate.stderr + migrate.stdout);
    const port = await freePort();
    const started = await docker(engine, [
      'run', '-d', '--name', name, '--network', 'host',
      '-e', `PORT=${port}`, '-e', 'HOST=127.0.0.1', '-e', `DATABASE_URL=${database.url}`,
      '-e', `JWT_PRIVATE_KEY=${newPrivateKeyPem()}`, '-e', 'ADMIN_EMAIL=admin@shop.test', '-e', 'ADMIN_PASSWORD=admin-password',
      tag,
    ]);
    assert.is(started.code, 0, started.stderr);
    let health = 0;
    for (let i = 0; i < 100 && health !== 200; i++) {
      health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
      if (health !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const logs = await docker(engine, ['logs', name]);
    assert.is(health, 200, logs.stdout + logs.stderr);
    const readiness = await fetch(`http://127.0.0.1:${port}/readyz`);
    assert.is(readiness.status, 200);
    assert.equal(((await readiness.json()) as { checks: unknown }).checks, { postgres: 'ok' });
    const stopped = await docker(engine, ['stop', '-t', '10', name]);
    assert.is(stopped.code, 0);
    const state = await docker(engine, ['inspect', '--format', '{{.State.ExitCode}}', name]);
    assert.is(state.stdout.trim(), '0', 'SIGTERM ends the process cleanly');
  } finally {
    await docker(engine, ['rm', '-f', name]);
    await database.drop();
  }
});

test.run();
