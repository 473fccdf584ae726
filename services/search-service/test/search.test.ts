// search-service against the test environment's real OpenSearch 2.x node and Kafka broker:
// product events are produced in product-service's envelope ({ product }) and consumed back.
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Client } from '@opensearch-project/opensearch';
import { spawn } from 'node:child_process';
import { startAuthService, type RunningAuthService } from '@shopmesh/auth-service/testing';
import { startProductService, type RunningProductService } from '@shopmesh/product-service/testing';
import type { App } from '@shopmesh/service-kit';
import { productEvent as buildProductEvent } from '@shopmesh/service-kit/events';
import { createTestTopics, eventually, startTcpProxy, uniqueSuffix, waitUntilReady, type TestTopics } from '@shopmesh/service-kit/testing';
import { server } from '@shopmesh/testkit';
import { buildApp } from '../src/app.ts';
import { createProductIndex } from '../src/product-index.ts';

const elasticsearchUrl = server('ELASTICSEARCH_URL');
const kafkaBrokers = server('KAFKA_BROKERS');
const postgresUrl = server('POSTGRES_URL');

/** The catalogue search-service refills its index from: a real product-service (and auth-service for its admin). */
interface Catalogue {
  auth: RunningAuthService;
  products: RunningProductService;
  adminToken: string;
}
let catalogue: Catalogue;

interface Running {
  app: App;
  index: string;
  topics: TestTopics<'product-events'>;
  close(): Promise<void>;
}

async function startSearch(elasticsearch = elasticsearchUrl!, index = `products-test-${uniqueSuffix()}`): Promise<Running> {
  const topics = await createTestTopics(kafkaBrokers!, ['product-events']);
  const { app } = await buildApp({
    env: {
      ELASTICSEARCH_URL: elasticsearch,
      ELASTICSEARCH_INDEX: index,
      KAFKA_BROKERS: kafkaBrokers,
      PRODUCT_EVENTS_TOPIC: topics.names['product-events'],
      KAFKA_GROUP_ID: `search-test-${uniqueSuffix()}`,
      PRODUCT_SERVICE_URL: catalogue.products.url,
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

/** A product event as product-service emits it (the shared schema), stamped `at` when given. */
const productEvent = (type: 'product.created' | 'product.updated', product: Product & { active?: boolean }, at?: string) => ({
  ...buildProductEvent(type, product),
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
const serversUp = Boolean(elasticsearchUrl && kafkaBrokers && postgresUrl);
const it = serversUp ? Search : Search.skip;

Search.before(async (context) => {
  if (!serversUp) return;
  const auth = await startAuthService(postgresUrl!);
  const products = await startProductService(postgresUrl!, { jwksUrl: auth.jwksUrl, kafkaBrokers: kafkaBrokers! });
  catalogue = { auth, products, adminToken: await auth.adminToken() };
  context.service = await startSearch();
});
Search.after(async ({ service }) => {
  await service?.close();
  await catalogue?.products.close();
  await catalogue?.auth.close();
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

  const expected = { status: 200, body: { items: [{ id: lamp.id, name: lamp.name, price: 4990, inStock: true }] } };
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

  assert.equal((await search(service.app, `q=stool${word}`)).body.items, [{ id: original.id, name: renamed.name, price: 9900, inStock: true }]);
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
    // A brand-new index answers searches once its primary shard has started (a moment on a fresh node).
    await eventually(async () => assert.is((await search(service.app, 'q=anything')).status, 200));
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

it('a product withdrawn from sale leaves the index; one out of stock stays, marked', async ({ service }) => {
  const word = uniqueSuffix();
  const kite = newProduct({ name: `Red kite ${word}` });
  const yoyo = newProduct({ name: `Blue yoyo ${word}` });
  await service.topics.publish('product-events', productEvent('product.created', kite), kite.id);
  await service.topics.publish('product-events', productEvent('product.created', yoyo), yoyo.id);
  await eventually(async () => assert.is((await search(service.app, `q=${word}`)).body.items.length, 2));
  await service.topics.publish('product-events', productEvent('product.updated', { ...kite, active: false }), kite.id);
  await service.topics.publish('product-events', productEvent('product.updated', { ...yoyo, stock: 0 }), yoyo.id);
  await publishSentinelAndWait(service);
  assert.equal((await search(service.app, `q=${word}`)).body.items, [{ id: yoyo.id, name: yoyo.name, price: yoyo.price, inStock: false }]);
});

it('results page by cursor: every hit once, in order; a cursor that is not one gets a 400 naming it', async ({ service }) => {
  const word = `page${uniqueSuffix()}`;
  const products = Array.from({ length: 5 }, (_, i) => newProduct({ name: `Thing ${i} ${word}` }));
  for (const product of products) await service.topics.publish('product-events', productEvent('product.created', product), product.id);
  await eventually(async () => assert.is((await search(service.app, `q=${word}&limit=100`)).body.items.length, 5));
  const all = (await search(service.app, `q=${word}&limit=100`)).body;
  assert.is(all.nextCursor, undefined, 'the last page has no cursor');
  const seen: string[] = [];
  let cursor: string | undefined;
  const sizes: number[] = [];
  do {
    const page = await search(service.app, `q=${word}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.is(page.status, 200);
    sizes.push(page.body.items.length);
    seen.push(...page.body.items.map((item: { id: string }) => item.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  assert.equal(sizes, [2, 2, 1]);
  assert.equal(seen, all.items.map((item: { id: string }) => item.id));
  for (const bad of ['nope', Buffer.from('["a"]').toString('base64url'), 'x'.repeat(600), '%%%']) {
    const answer = await search(service.app, `q=${word}&cursor=${bad}`);
    assert.equal([answer.status, answer.body.error.field], [400, 'cursor'], bad);
  }
});

it('an empty index at start-up is filled from product-service: withdrawn products left out, out-of-stock marked', async () => {
  const word = uniqueSuffix();
  const { products, adminToken } = catalogue;
  const onSale = await products.createProduct(adminToken, { name: `Green teapot${word}`, stock: 4 });
  const soldOut = await products.createProduct(adminToken, { name: `Green kettle${word}`, stock: 0 });
  const withdrawn = await products.createProduct(adminToken, { name: `Green mug${word}` });
  await products.updateProduct(adminToken, withdrawn.id, { active: false });
  // The index exists (a restored volume, say) but holds nothing.
  const index = `products-test-${uniqueSuffix()}`;
  const empty = createProductIndex({ url: elasticsearchUrl!, index });
  assert.is(await empty.ensure(), 'created');
  assert.is(await empty.size(), 0);
  await empty.close();
  const service = await startSearch(elasticsearchUrl!, index);
  try {
    await eventually(async () => assert.is((await search(service.app, `q=teapot${word} kettle${word} mug${word}`)).body.items.length, 2), { timeoutMs: 30_000 });
    const items = (await search(service.app, `q=teapot${word} kettle${word} mug${word}`)).body.items;
    assert.equal(
      items.map((item: { id: string; inStock: boolean }) => [item.id, item.inStock]).sort(),
      [[onSale.id, true], [soldOut.id, false]].sort(),
    );
  } finally {
    await service.close();
  }
});

it('the index deleted under a running service: recreated with its mapping on the next answer, and refilled', async () => {
  const word = uniqueSuffix();
  const { products, adminToken } = catalogue;
  const chair = await products.createProduct(adminToken, { name: `Rocking chair${word}` });
  const service = await startSearch();
  const client = new Client({ node: elasticsearchUrl! });
  try {
    await eventually(async () => assert.is((await search(service.app, `q=chair${word}`)).body.items.length, 1), { timeoutMs: 30_000 });
    await client.indices.delete({ index: service.index });
    // The search meets index_not_found: the index is created again (not from a cached "exists"),
    // with its mapping, and filled from the catalogue.
    assert.is((await search(service.app, `q=chair${word}`)).status, 200);
    await eventually(async () => assert.equal((await search(service.app, `q=chair${word}`)).body.items.map((item: { id: string }) => item.id), [chair.id]), { timeoutMs: 30_000 });
    const { body } = await client.indices.getMapping({ index: service.index });
    assert.is(body[service.index].mappings.dynamic, 'false');
    assert.is(body[service.index].mappings.properties.id.type, 'keyword');
  } finally {
    await client.close();
    await service.close();
  }
});

it('the reindex command rebuilds the index from the catalogue and exits 0; without its variables it exits 1 naming them', async () => {
  const word = uniqueSuffix();
  const { products, adminToken } = catalogue;
  const lamp = await products.createProduct(adminToken, { name: `Brass lamp${word}` });
  const index = `products-test-${uniqueSuffix()}`;
  const client = new Client({ node: elasticsearchUrl! });
  // A stale document the catalogue does not have (withdrawn while search-service was down).
  await client.index({ index, id: 'gone', body: { id: 'gone', name: `Brass gone${word}`, price: 1, stock: 1 }, refresh: true });
  const run = (env: NodeJS.ProcessEnv) =>
    new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'reindex'], {
        cwd: new URL('..', import.meta.url).pathname,
        env: { PATH: process.env.PATH, ...env },
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('exit', (code) => resolve({ code, output }));
    });
  try {
    const done = await run({ ELASTICSEARCH_URL: elasticsearchUrl!, ELASTICSEARCH_INDEX: index, PRODUCT_SERVICE_URL: products.url });
    assert.is(done.code, 0, done.output);
    assert.match(done.output, /products indexed/);
    assert.is((await client.exists({ index, id: lamp.id })).body, true, 'the catalogue product is indexed');
    assert.is((await client.exists({ index, id: 'gone' })).body, false, 'the stale document is gone');
    const missing = await run({ ELASTICSEARCH_URL: elasticsearchUrl! });
    assert.is(missing.code, 1);
    assert.match(missing.output, /PRODUCT_SERVICE_URL/);
  } finally {
    await client.indices.delete({ index }).catch(() => undefined);
    await client.close();
  }
});

Search.run();
