// product-service's image with the test environment's Docker engine (NODE_IMAGE=shopmesh/node:22):
// the image's shape, its schema apply, and v1 and v2 containers ready against real PostgreSQL,
// Kafka and Redis, with a real auth-service's JWKS.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { startAuthService } from '@shopmesh/auth-service/testing';
import { createTestDatabase, freeTcpPort, uniqueSuffix } from '@shopmesh/service-kit/testing';
import { buildServiceImage, docker, inspectServiceImage, runContainer, waitForStatus, type DockerEngine } from '@shopmesh/service-kit/testing-docker';

const dockerHost = server('DOCKER_HOST');
const baseImage = server('BASE_IMAGE');
const postgresUrl = server('POSTGRES_URL');
const kafkaBrokers = server('KAFKA_BROKERS');
const redisUrl = server('REDIS_URL');
const ready = dockerHost && baseImage && postgresUrl && kafkaBrokers && redisUrl;
const it = ready ? test : test.skip;

const repoRoot = new URL('../../..', import.meta.url).pathname;
const tag = 'shopmesh/product-service:test';
let engine: DockerEngine;
test.before(() => {
  if (ready) engine = { host: dockerHost, cli: server('DOCKER_CLI') ?? 'docker' };
});

it('the image builds: uid 1000, WORKDIR /app, node dist/main.js, no HEALTHCHECK, no build tools', async () => {
  const built = await buildServiceImage({ engine, repoRoot, service: 'product-service', baseImage: baseImage!, tag });
  assert.is(built.code, 0, built.stderr.slice(-3000));
  assert.equal(await inspectServiceImage(engine, tag), {
    uid: '1000',
    cmd: '["node","dist/main.js"]',
    workingDir: '/app',
    hasHealthcheck: false,
    devTools: [],
  });
});

it('migrate, then v1 and v2 containers answer /healthz and /readyz (v2 also checks Redis)', async () => {
  const database = await createTestDatabase(postgresUrl!, 'product_image');
  const auth = await startAuthService(postgresUrl!);
  const containers: Awaited<ReturnType<typeof runContainer>>[] = [];
  try {
    const migrate = await docker(engine, ['run', '--rm', '--network', 'host', '-e', `DATABASE_URL=${database.url}`, tag, 'node', 'dist/migrate.js']);
    assert.is(migrate.code, 0, migrate.stderr + migrate.stdout);
    for (const version of ['v1', 'v2']) {
      const port = await freeTcpPort();
      const container = await runContainer(engine, {
        tag,
        name: `product-image-${version}-${uniqueSuffix()}`,
        env: {
          PORT: String(port),
          HOST: '127.0.0.1',
          SERVICE_VERSION: version,
          DATABASE_URL: database.url,
          KAFKA_BROKERS: kafkaBrokers!,
          AUTH_JWKS_URL: auth.jwksUrl,
          REDIS_URL: redisUrl!,
        },
      });
      containers.push(container);
      const url = `http://127.0.0.1:${port}`;
      assert.is(await waitForStatus(`${url}/healthz`), 200, await container.logs());
      assert.is(await waitForStatus(`${url}/readyz`), 200, await container.logs());
      const checks = ((await (await fetch(`${url}/readyz`)).json()) as { checks: Record<string, string> }).checks;
      assert.equal(Object.keys(checks).sort(), version === 'v2' ? ['kafka', 'postgres', 'redis'] : ['kafka', 'postgres']);
      const page = await fetch(`${url}/?limit=1`);
      assert.is(page.status, 200);
    }
    for (const container of containers) assert.is(await container.stop(), 0);
  } finally {
    for (const container of containers) await container.remove();
    await auth.close();
    await database.drop();
  }
});

test.run();
