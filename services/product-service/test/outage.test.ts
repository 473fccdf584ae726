// product-service when its dependencies fail: PostgreSQL behind a cuttable proxy (real server),
// and Kafka unreachable (an address nothing listens on) — the outbox keeps the events.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { startAuthService, type RunningAuthService } from '@shopmesh/auth-service/testing';
import { createKafka, startEventConsumer } from '@shopmesh/service-kit/kafka';
import { startTcpProxy, uniqueSuffix, type TestDatabase } from '@shopmesh/service-kit/testing';
import { call, createProductDatabase, eventually, startProductService, type Json } from './support.ts';

const postgresUrl = server('POSTGRES_URL');
const kafkaBrokers = server('KAFKA_BROKERS');

interface Context {
  auth: RunningAuthService;
  database: TestDatabase;
  admin: string;
}
const outage = suite<Context>('product-service outages', {} as Context);
const it = postgresUrl && kafkaBrokers ? outage : outage.skip;

outage.before(async (context) => {
  if (!postgresUrl || !kafkaBrokers) return;
  context.auth = await startAuthService(postgresUrl);
  context.database = await createProductDatabase(postgresUrl);
  context.admin = await context.auth.adminToken();
});
outage.after(async (context) => {
  await context.database?.drop();
  await context.auth?.close();
});

it('PostgreSQL unreachable: /readyz and reads answer 503; both recover when it is back', async (c) => {
  const target = new URL(c.database.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  const products = await startProductService({
    DATABASE_URL: proxy.via(c.database.url),
    KAFKA_BROKERS: kafkaBrokers,
    AUTH_JWKS_URL: c.auth.jwksUrl,
    LOG_LEVEL: 'silent',
  });
  try {
    assert.is((await call(products.url, 'GET', '/')).status, 200);
    await proxy.cut();
    const notReady = await call(products.url, 'GET', '/readyz');
    assert.equal([notReady.status, notReady.body.checks.postgres.startsWith('down')], [503, true]);
    const read = await call(products.url, 'GET', '/');
    assert.equal([read.status, read.body.error.code], [503, 'dependency_unavailable']);
    await proxy.restore();
    assert.is((await call(products.url, 'GET', '/readyz')).status, 200);
    assert.is((await call(products.url, 'GET', '/')).status, 200);
  } finally {
    await products.app.close();
    await proxy.close();
  }
});

it('Kafka unreachable: not ready, yet a creation succeeds and its event is published once Kafka is reachable', async (c) => {
  const common = { DATABASE_URL: c.database.url, AUTH_JWKS_URL: c.auth.jwksUrl, LOG_LEVEL: 'silent' };
  const cutOff = await startProductService({ ...common, KAFKA_BROKERS: '127.0.0.1:1' });
  let id: string;
  try {
    const notReady = await call(cutOff.url, 'GET', '/readyz');
    assert.equal([notReady.status, notReady.body.checks.kafka.startsWith('down')], [503, true]);
    const created = await call(cutOff.url, 'POST', '/', {
      token: c.admin,
      body: { name: `Kept ${uniqueSuffix()}`, description: '', price: 5, category: 'outbox', stock: 1 },
    });
    assert.is(created.status, 201);
    id = created.body.id;
  } finally {
    await cutOff.app.close();
  }
  // The same database, now with the real broker: the relay publishes what was kept.
  const events: Json[] = [];
  const suffix = uniqueSuffix();
  const consumer = await startEventConsumer({
    kafka: createKafka({ brokers: kafkaBrokers!, clientId: `outbox-test-${suffix}` }),
    groupId: `outbox-test-${suffix}`,
    topics: ['product-events'],
    handle: async (event) => void events.push(event),
  });
  const connected = await startProductService({ ...common, KAFKA_BROKERS: kafkaBrokers });
  try {
    const event = await eventually(async () => events.find((e) => e.product?.id === id), 30_000, 'the kept event');
    assert.is(event.type, 'product.created');
  } finally {
    await connected.app.close();
    await consumer.close();
  }
});

outage.run();
