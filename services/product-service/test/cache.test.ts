// product-service v2's Redis read-through cache, against real PostgreSQL, Redis and Kafka.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { Redis } from 'ioredis';
import { server } from '@shopmesh/testkit';
import { ConfigError } from '@shopmesh/service-kit';
import { startAuthService, type RunningAuthService } from '@shopmesh/auth-service/testing';
import { callJson, startTcpProxy, uniqueSuffix, waitUntilReady, type TestDatabase } from '@shopmesh/service-kit/testing';
import { buildApp } from '../src/app.ts';
import { createProductDatabase, startProductApp, type RunningProductApp } from './harness.ts';

const postgresUrl = server('POSTGRES_URL');
const kafkaBrokers = server('KAFKA_BROKERS');
const redisUrl = server('REDIS_URL');

interface Context {
  auth: RunningAuthService;
  database: TestDatabase;
  v1: RunningProductApp;
  v2: RunningProductApp;
  admin: string;
  redis: Redis;
}
const cache = suite<Context>('product-service v2 cache', {} as Context);
const it = postgresUrl && kafkaBrokers && redisUrl ? cache : cache.skip;

cache.before(async (context) => {
  if (!postgresUrl || !kafkaBrokers || !redisUrl) return;
  context.auth = await startAuthService(postgresUrl);
  context.database = await createProductDatabase(postgresUrl);
  const env = { DATABASE_URL: context.database.url, KAFKA_BROKERS: kafkaBrokers, AUTH_JWKS_URL: context.auth.jwksUrl, REDIS_URL: redisUrl };
  context.v1 = await startProductApp(env);
  context.v2 = await startProductApp({ ...env, SERVICE_VERSION: 'v2' });
  context.admin = await context.auth.adminToken();
  context.redis = new Redis(redisUrl);
});
cache.after(async (context) => {
  context.redis?.disconnect();
  await context.v1?.app.close();
  await context.v2?.app.close();
  await context.database?.drop();
  await context.auth?.close();
});

/** Changes a row behind the service's back: only a cache explains an answer that ignores it. */
async function renameInDatabase(databaseUrl: string, id: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('update products set name = $1 where id = $2', [name, id]);
  } finally {
    await client.end();
  }
}

const newProduct = (c: Context, category = 'cached') =>
  callJson(c.v1.url, 'POST', '/', {
    token: c.admin,
    body: { name: `Lamp ${uniqueSuffix()}`, description: 'd', price: 4200, category, stock: 5 },
  }).then((answer) => answer.body);

it('v2 answers reads from Redis once cached (v1 reads the database)', async (c) => {
  const product = await newProduct(c);
  assert.equal((await callJson(c.v2.url, 'GET', `/${product.id}`)).body, product);
  assert.ok(await c.redis.exists(`product-service:product:${product.id}`), 'the entry is in Redis');
  await renameInDatabase(c.database.url, product.id, 'Renamed behind its back');
  assert.is((await callJson(c.v2.url, 'GET', `/${product.id}`)).body.name, product.name, 'v2: from the cache');
  assert.is((await callJson(c.v1.url, 'GET', `/${product.id}`)).body.name, 'Renamed behind its back', 'v1: from the database');
  const ttl = await c.redis.ttl(`product-service:product:${product.id}`);
  assert.ok(ttl > 0 && ttl <= 60, `a TTL of at most PRODUCT_CACHE_TTL_SECONDS, got ${ttl}`);
});

it('an update (through v2 or v1) invalidates the entry and the cached catalogue pages', async (c) => {
  const category = `inval-${uniqueSuffix()}`;
  const product = await newProduct(c, category);
  await callJson(c.v2.url, 'GET', `/${product.id}`);
  const page = await callJson(c.v2.url, 'GET', `/?category=${category}`);
  assert.is(page.body.total, 1);
  const viaV2 = await callJson(c.v2.url, 'PATCH', `/${product.id}`, { token: c.admin, body: { price: 1 } });
  assert.is(viaV2.status, 200);
  assert.is((await callJson(c.v2.url, 'GET', `/${product.id}`)).body.price, 1);
  assert.is((await callJson(c.v2.url, 'GET', `/?category=${category}`)).body.items[0].price, 1);
  await callJson(c.v1.url, 'PATCH', `/${product.id}`, { token: c.admin, body: { price: 2 } });
  assert.is((await callJson(c.v2.url, 'GET', `/${product.id}`)).body.price, 2, 'a v1 write invalidates v2');
  await newProduct(c, category);
  assert.is((await callJson(c.v2.url, 'GET', `/?category=${category}`)).body.total, 2, 'a creation invalidates the pages');
});

it('v2 without REDIS_URL does not start, naming the variable', async (c) => {
  try {
    await buildApp({
      env: { DATABASE_URL: c.database.url, KAFKA_BROKERS: kafkaBrokers, AUTH_JWKS_URL: c.auth.jwksUrl, SERVICE_VERSION: 'v2', LOG_LEVEL: 'silent' },
    });
    assert.unreachable('v2 started without Redis');
  } catch (error) {
    assert.instance(error, ConfigError);
    assert.match((error as Error).message, /REDIS_URL/);
  }
});

it('Redis unreachable: v2 is not ready but still answers from the database; it recovers', async (c) => {
  const proxy = await startTcpProxy(redisUrl!);
  const v2 = await startProductApp({
    DATABASE_URL: c.database.url,
    KAFKA_BROKERS: kafkaBrokers,
    AUTH_JWKS_URL: c.auth.jwksUrl,
    REDIS_URL: proxy.via(redisUrl!),
    SERVICE_VERSION: 'v2',
    LOG_LEVEL: 'silent',
  });
  try {
    const product = await newProduct(c);
    await waitUntilReady(v2.app, 10_000);
    await proxy.cut();
    // The cache is optional (reads fall back to the database): v2 stays ready without it.
    const ready = await callJson(v2.url, 'GET', '/readyz');
    assert.equal([ready.status, ready.body], [200, { status: 'up', checks: { postgres: 'up' } }]);
    const started = Date.now();
    const read = await callJson(v2.url, 'GET', `/${product.id}`);
    assert.equal([read.status, read.body.id], [200, product.id]);
    assert.ok(Date.now() - started < 1_000, 'no waiting on the unreachable cache');
    await proxy.restore();
    await waitUntilReady(v2.app, 10_000);
  } finally {
    await v2.app.close();
    await proxy.close();
  }
});

cache.run();
