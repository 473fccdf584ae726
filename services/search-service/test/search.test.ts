// search-service against the test environment's real OpenSearch 2.x node and Kafka broker:
// product events are produced in product-service's envelope ({ product }) and consumed back.
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Client } from '@opensearch-project/opensearch';
import type { App } from '@shopmesh/service-kit';
import { newEvent } from '@shopmesh/service-kit/kafka';
import { createTestTopics, eventually, startTcpProxy, uniqueSuffix, waitUntilReady, type TestTopics } from '@shopmesh/service-kit/testing';
import { server } from '@shopmesh/testkit';
import { buildApp } from '../src/app.ts';

const elasticsearchUrl = server('ELASTICSEARCH_URL');
const kafkaBrokers = server('KAFKA_BROKERS');

interface Running {
  app: App;
  index: string;
  topics: TestTopics<'product-events'>;
  close(): Promise<void>;
}

async function startSearch(elasticsearch = elasticsearchUrl!): Promise<Running> {
  const index = `products-test-${uniqueSuffix()}`;
  const topics = await createTestTopics(kafkaBrokers!, ['product-events']);
  const { app } = await buildApp({
    env: {
      ELASTICSEARCH_URL: elasticsearch,
      ELASTICSEARCH_INDEX: index,
      KAFKA_BROKERS: kafkaBrokers,
      PRODUCT_EVENTS_TOPIC: topics.names['product-events'],
      KAFKA_GROUP_ID: `search-test-${uniqueSuffix()}`,
      LOG_LEVEL: 'warn',
    },
  });
  await waitUntilReady(app);
  return {
    app,
    index,
    topics,
    async close() {
      await app.close();
      await topics.close();
      const client = new Client({ node: elasticsearchUrl! });
      await client.indices.delete({ index }).catch(() => undefined);
      await client.close();
    },
  };
}

interface Product {
  id: string;
  name: string;
  description: string;
  price: number;
  category: string;
  stock: number;
}

/** A product event as product-service emits it (the product under `product`), stamped `at` when given. */
const productEvent = (type: 'product.created' | 'product.updated', product: Product, at?: string) => ({
  ...newEvent(type, { product }),
  ...(at ? { occurredAt: at } : {}),
});

const newProduct = (fields: Partial<Product> = {}): Product => ({
  id: randomUUID(),
  name: 'Plain thing',
  description: 'Nothing special',
  price: 1000,
  category: 'misc',
  stock: 5,
  ...fields,
});

const search = async (app: App, query: string) => {
  const response = await app.inject({ method: 'GET', url: `/?${query}` });
  return { status: response.statusCode, body: response.json() };
};

/** Publishes a product last on the one partition and waits until it is searchable. */
async function publishSentinelAndWait(service: Running): Promise<void> {
  const word = `sentinel${uniqueSuffix()}`;
  await service.topics.publish('product-events', productEvent('product.created', newProduct({ name: word })));
  await eventually(async () => assert.is((await search(service.app, `q=${word}`)).body.items.length, 1));
}

const Search = suite<{ service: Running }>('search-service');
// Without the test servers (outside CI) every test is reported as skipped.
const serversUp = Boolean(elasticsearchUrl && kafkaBrokers);
const it = serversUp ? Search : Search.skip;

Search.before(async (context) => {
  if (!serversUp) return;
  context.service = await startSearch();
});
Search.after(async ({ service }) => {
  await service?.close();
});

it('the index is created at start-up with the explicit mapping', async ({ service }) => {
  const client = new Client({ node: elasticsearchUrl! });
  try {
    const { body } = await client.indices.getMapping({ index: service.index });
    const properties = body[service.index].mappings.properties;
    assert.is(properties.id.type, 'keyword');
    assert.is(properties.name.type, 'text');
    assert.is(properties.price.type, 'long');
    assert.is(body[service.index].mappings.dynamic, 'false');
  } finally {
    await client.close();
  }
});

it('a created product is found by a word of its name, category or description', async ({ service }) => {
  const word = uniqueSuffix();
  const lamp = newProduct({
    name: `Walnut lamp${word}`,
    category: `lighting${word}`,
    description: `Warm light for a desk${word}`,
    price: 4990,
  });
  await service.topics.publish('product-events', productEvent('product.created', lamp), lamp.id);

  const expected = { status: 200, body: { items: [{ id: lamp.id, name: lamp.name, price: 4990 }] } };
  await eventually(async () => assert.equal(await search(service.app, `q=lamp${word}`), expected));
  assert.equal(await search(service.app, `q=lighting${word}`), expected);
  assert.equal(await search(service.app, `q=desk${word}`), expected);
  assert.equal(await search(service.app, `q=nothing${word}`), { status: 200, body: { items: [] } });
});

it('an update changes the hit; an older event arriving late does not undo it', async ({ service }) => {
  const word = uniqueSuffix();
  const original = newProduct({ name: `Oak chair${word}`, price: 12000 });
  const renamed = { ...original, name: `Oak stool${word}`, price: 9900 };
  const older = { ...original, name: `Oak bench${word}`, price: 1 };
  const publish = (event: ReturnType<typeof productEvent>) => service.topics.publish('product-events', event, original.id);
  await publish(productEvent('product.created', original, '2030-01-01T10:00:00.000Z'));
  await publish(productEvent('product.updated', renamed, '2030-01-01T10:05:00.000Z'));
  await publish(productEvent('product.updated', older, '2030-01-01T10:02:00.000Z')); // late: older than the rename
  await publishSentinelAndWait(service);

  assert.equal((await search(service.app, `q=stool${word}`)).body.items, [{ id: original.id, name: renamed.name, price: 9900 }]);
  assert.equal((await search(service.app, `q=chair${word}`)).body.items, []);
  assert.equal((await search(service.app, `q=bench${word}`)).body.items, []);
});

it('q is required and must not be empty: 400 naming it', async ({ service }) => {
  for (const query of ['', 'q=', `q=${'x'.repeat(201)}`, 'limit=5']) {
    const answer = await search(service.app, query);
    assert.is(answer.status, 400, query);
    assert.is(answer.body.error.field, 'q', query);
  }
});

it('Elasticsearch going away: /readyz and searches answer 503, and both recover when it is back', async () => {
  const proxy = await startTcpProxy(elasticsearchUrl!);
  const service = await startSearch(proxy.via(elasticsearchUrl!).replace(/\/$/, ''));
  try {
    assert.is((await search(service.app, 'q=anything')).status, 200);
    await proxy.cut();
    const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
    assert.is(ready.statusCode, 503);
    assert.equal(ready.json(), { status: 'down', checks: { elasticsearch: 'down' } });
    const during = await search(service.app, 'q=anything');
    assert.is(during.status, 503);
    assert.is(during.body.error.code, 'dependency_unavailable');
    await proxy.restore();
    await eventually(async () => assert.is((await search(service.app, 'q=anything')).status, 200));
    await waitUntilReady(service.app);
  } finally {
    await service.close();
    await proxy.close();
  }
});

Search.run();
