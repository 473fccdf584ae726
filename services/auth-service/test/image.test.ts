// auth-service's image, built with the test environment's Docker engine on the base image
// shopmesh/node:22: it runs as uid 1000, refuses to start without its configuration (naming the
// variables), applies its schema with dist/migrate.js, and answers /healthz and /readyz.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { createTestDatabase, freeTcpPort, uniqueSuffix } from '@shopmesh/service-kit/testing';
import { buildServiceImage, docker, inspectServiceImage, runContainer, waitForStatus, type DockerEngine } from '@shopmesh/service-kit/testing-docker';
import { newPrivateKeyPem } from './harness.ts';

const dockerHost = server('DOCKER_HOST');
const baseImage = server('BASE_IMAGE');
const postgresUrl = server('POSTGRES_URL');
const ready = dockerHost && baseImage && postgresUrl;
const it = ready ? test : test.skip;

const repoRoot = new URL('../../..', import.meta.url).pathname;
const tag = 'shopmesh/auth-service:test';

let engine: DockerEngine;
test.before(() => {
  if (ready) engine = { host: dockerHost, cli: server('DOCKER_CLI') ?? 'docker' };
});

it('the image builds: uid 1000, WORKDIR /app, node dist/main.js, no HEALTHCHECK, no build tools', async () => {
  const built = await buildServiceImage({ engine, repoRoot, service: 'auth-service', baseImage: baseImage!, tag });
  assert.is(built.code, 0, built.stderr.slice(-3000));
  assert.equal(await inspectServiceImage(engine, tag), {
    uid: '1000',
    cmd: '["node","dist/main.js"]',
    workingDir: '/app',
    hasHealthcheck: false,
    devTools: [],
  });
});

it('node dist/main.js without configuration exits 1 naming the missing variables', async () => {
  const result = await docker(engine, ['run', '--rm', '--network', 'host', '-e', 'PORT=70000', tag]);
  assert.is(result.code, 1);
  for (const name of ['DATABASE_URL', 'JWT_PRIVATE_KEY', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'PORT']) {
    assert.ok(result.stderr.includes(name), `${name} named in: ${result.stderr}`);
  }
});

it('dist/migrate.js applies the schema; the service then answers /healthz and /readyz, and stops cleanly', async () => {
  const database = await createTestDatabase(postgresUrl!, 'auth_image');
  const migrate = await docker(engine, ['run', '--rm', '--network', 'host', '-e', `DATABASE_URL=${database.url}`, tag, 'node', 'dist/migrate.js']);
  assert.is(migrate.code, 0, migrate.stderr + migrate.stdout);
  const port = await freeTcpPort();
  const container = await runContainer(engine, {
    tag,
    name: `auth-image-${uniqueSuffix()}`,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      JWT_PRIVATE_KEY: newPrivateKeyPem(),
      ADMIN_EMAIL: 'admin@shop.test',
      ADMIN_PASSWORD: 'admin-password',
    },
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    assert.is(await waitForStatus(`${url}/healthz`), 200, await container.logs());
    const readiness = await fetch(`${url}/readyz`);
    assert.is(readiness.status, 200);
    assert.equal(((await readiness.json()) as { checks: unknown }).checks, { postgres: 'ok' });
    assert.is(await container.stop(), 0, 'SIGTERM ends the process cleanly');
  } finally {
    await container.remove();
    await database.drop();
  }
});

test.run();
