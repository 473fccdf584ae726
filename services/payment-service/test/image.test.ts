// payment-service's image with the test environment's Docker engine (NODE_IMAGE=shopmesh/node:22).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { freeTcpPort, uniqueSuffix } from '@shopmesh/service-kit/testing';
import { buildServiceImage, docker, inspectServiceImage, runContainer, waitForStatus, type DockerEngine } from '@shopmesh/service-kit/testing-docker';

const dockerHost = server('DOCKER_HOST');
const baseImage = server('BASE_IMAGE');
const ready = dockerHost && baseImage;
const it = ready ? test : test.skip;

const repoRoot = new URL('../../..', import.meta.url).pathname;
const tag = 'shopmesh/payment-service:test';
let engine: DockerEngine;
test.before(() => {
  if (ready) engine = { host: dockerHost, cli: server('DOCKER_CLI') ?? 'docker' };
});

it('the image builds: uid 1000, WORKDIR /app, node dist/main.js, no HEALTHCHECK, no build tools', async () => {
  const built = await buildServiceImage({ engine, repoRoot, service: 'payment-service', baseImage: baseImage!, tag });
  assert.is(built.code, 0, built.stderr.slice(-3000));
  assert.equal(await inspectServiceImage(engine, tag), {
    uid: '1000',
    cmd: '["node","dist/main.js"]',
    workingDir: '/app',
    hasHealthcheck: false,
    devTools: [],
  });
});

it('a bad PAYMENT_FAILURE_RATE stops the container naming it', async () => {
  const result = await docker(engine, ['run', '--rm', '--network', 'host', '-e', 'PAYMENT_FAILURE_RATE=2', tag]);
  assert.is(result.code, 1);
  assert.match(result.stderr, /PAYMENT_FAILURE_RATE is invalid/);
});

it('the container answers /healthz, /readyz and an idempotent charge', async () => {
  const port = await freeTcpPort();
  const container = await runContainer(engine, {
    tag,
    name: `payment-image-${uniqueSuffix()}`,
    env: { PORT: String(port), HOST: '127.0.0.1', PAYMENT_LATENCY_MS: '50' },
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    assert.is(await waitForStatus(`${url}/healthz`), 200, await container.logs());
    assert.is(await waitForStatus(`${url}/readyz`), 200);
    const charge = () =>
      fetch(`${url}/charges`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'order-image' },
        body: JSON.stringify({ orderId: 'order-image', amount: 1000 }),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as { id: string } }));
    const first = await charge();
    const second = await charge();
    assert.is(first.status, 201);
    assert.is(second.body.id, first.body.id);
    assert.is(await container.stop(), 0);
  } finally {
    await container.remove();
  }
});

test.run();
