// search-service's image with the test environment's Docker engine (NODE_IMAGE=shopmesh/node:22):
// uid 1000, a missing configuration named, /healthz and /readyz answered against the real
// Elasticsearch and Kafka (the 7.13 client loads in the image), a clean stop on SIGTERM.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { freeTcpPort, uniqueSuffix } from '@shopmesh/service-kit/testing';
import { buildServiceImage, docker, inspectServiceImage, runContainer, waitForStatus, type DockerEngine } from '@shopmesh/service-kit/testing-docker';

const dockerHost = server('DOCKER_HOST');
const baseImage = server('BASE_IMAGE');
const elasticsearchUrl = server('ELASTICSEARCH_URL');
const kafkaBrokers = server('KAFKA_BROKERS');
const ready = dockerHost && baseImage && elasticsearchUrl && kafkaBrokers;
const it = ready ? test : test.skip;

const repoRoot = new URL('../../..', import.meta.url).pathname;
const tag = 'shopmesh/search-service:test';
let engine: DockerEngine;
test.before(() => {
  if (ready) engine = { host: dockerHost, cli: server('DOCKER_CLI') ?? 'docker' };
});

it('the image builds: uid 1000, WORKDIR /app, node dist/main.js, no HEALTHCHECK, no build tools', async () => {
  const built = await buildServiceImage({ engine, repoRoot, service: 'search-service', baseImage: baseImage!, tag });
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
  for (const name of ['ELASTICSEARCH_URL', 'KAFKA_BROKERS']) {
    assert.ok(result.stderr.includes(name), `${name} named in: ${result.stderr}`);
  }
});

it('the container answers /healthz, /readyz and a search against Elasticsearch and Kafka, and stops cleanly', async () => {
  const port = await freeTcpPort();
  const suffix = uniqueSuffix();
  const index = `products-image-${suffix}`;
  const container = await runContainer(engine, {
    tag,
    name: `search-image-${suffix}`,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      ELASTICSEARCH_URL: elasticsearchUrl!,
      ELASTICSEARCH_INDEX: index,
      KAFKA_BROKERS: kafkaBrokers!,
      PRODUCT_EVENTS_TOPIC: `product-events-image-${suffix}`,
      KAFKA_GROUP_ID: `search-image-${suffix}`,
    },
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    assert.is(await waitForStatus(`${url}/healthz`), 200, await container.logs());
    assert.is(await waitForStatus(`${url}/readyz`, 200, 60_000), 200, await container.logs());
    const readiness = (await (await fetch(`${url}/readyz`)).json()) as { checks: unknown };
    assert.equal(readiness.checks, { elasticsearch: 'ok', kafka: 'ok' });
    const search = await fetch(`${url}/?q=lamp`);
    assert.equal({ status: search.status, body: await search.json() }, { status: 200, body: { items: [] } });
    assert.is(await container.stop(), 0, 'SIGTERM ends the process cleanly');
  } finally {
    await container.remove();
    await fetch(`${elasticsearchUrl}/${index}`, { method: 'DELETE' }).catch(() => undefined);
  }
});

test.run();
