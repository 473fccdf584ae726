// notification-service's image with the test environment's Docker engine (NODE_IMAGE=shopmesh/node:22):
// uid 1000, a missing configuration named, /healthz and /readyz answered against the real Redis
// and Kafka, a clean stop on SIGTERM.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { freeTcpPort, uniqueSuffix } from '@shopmesh/service-kit/testing';
import { buildServiceImage, docker, inspectServiceImage, runContainer, waitForStatus, type DockerEngine } from '@shopmesh/service-kit/testing-docker';

const dockerHost = server('DOCKER_HOST');
const baseImage = server('BASE_IMAGE');
const redisUrl = server('REDIS_URL');
const kafkaBrokers = server('KAFKA_BROKERS');
const ready = dockerHost && baseImage && redisUrl && kafkaBrokers;
const it = ready ? test : test.skip;

const repoRoot = new URL('../../..', import.meta.url).pathname;
const tag = 'shopmesh/notification-service:test';
let engine: DockerEngine;
test.before(() => {
  if (ready) engine = { host: dockerHost, cli: server('DOCKER_CLI') ?? 'docker' };
});

it('the image builds: uid 1000, WORKDIR /app, node dist/main.js, no HEALTHCHECK, no build tools', async () => {
  const built = await buildServiceImage({ engine, repoRoot, service: 'notification-service', baseImage: baseImage!, tag });
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
  const result = await docker(engine, ['run', '--rm', '--network', 'host', tag]);
  assert.is(result.code, 1);
  for (const name of ['REDIS_URL', 'KAFKA_BROKERS', 'AUTH_JWKS_URL']) {
    assert.ok(result.stderr.includes(name), `${name} named in: ${result.stderr}`);
  }
});

it('the container answers /healthz and /readyz against Redis and Kafka, and stops cleanly', async () => {
  const port = await freeTcpPort();
  const suffix = uniqueSuffix();
  const container = await runContainer(engine, {
    tag,
    name: `notification-image-${suffix}`,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_URL: redisUrl!,
      KAFKA_BROKERS: kafkaBrokers!,
      AUTH_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json',
      ORDER_EVENTS_TOPIC: `order-events-image-${suffix}`,
      KAFKA_GROUP_ID: `notification-image-${suffix}`,
    },
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    assert.is(await waitForStatus(`${url}/healthz`), 200, await container.logs());
    assert.is(await waitForStatus(`${url}/readyz`, 200, 60_000), 200, await container.logs());
    const readiness = (await (await fetch(`${url}/readyz`)).json()) as { checks: unknown };
    assert.equal(readiness.checks, { redis: 'ok', kafka: 'ok' });
    assert.is((await fetch(`${url}/`)).status, 401, 'listing needs a token');
    assert.is(await container.stop(), 0, 'SIGTERM ends the process cleanly');
  } finally {
    await container.remove();
  }
});

test.run();
