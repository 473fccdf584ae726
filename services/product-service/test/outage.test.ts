// product-service when its dependencies fail: PostgreSQL behind a cuttable proxy (real server),
// and Kafka unreachable (an address nothing listens on) — the outbox keeps the events.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { startAuthService, type RunningAuthService } from '@shopmesh/auth-service/testing';
import { TOPICS } from '@shopmesh/service-kit/kafka';
import { callJson, collectEvents, startTcpProxy, uniqueSuffix, type TestDatabase } from '@shopmesh/service-kit/testing';
import { createProductDatabase, startProductApp } from './harness.ts';

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
  const proxy = await startTcpProxy(c.database.url);
  const products = await startProductApp({
    DATABASE_URL: proxy.via(c.database.url),
    KAFKA_BROKERS: kafkaBrokers,
    AUTH_JWKS_URL: c.auth.jwksUrl,
    LOG_LEVEL: 'silent',
  });
  try {
    assert.is((await callJson(products.url, 'GET', '/')).status, 200);
    await proxy.cut();
    const notReady = await callJson(products.url, 'GET', '/readyz');
    assert.equal([notReady.status, notReady.body], [503, { status: 'down', checks: { postgres: 'down' } }]);
    const read = await callJson(products.url, 'GET', '/');
    assert.equal([read.status, read.body.error.code], [503, 'dependency_unavailable']);
    await proxy.restore();
    assert.is((await callJson(products.url, 'GET', '/readyz')).status, 200);
    assert.is((await callJson(products.url, 'GET', '/')).status, 200);
  } finally {
    await products.app.close();
    await proxy.close();
  }
});

it('Kafka unreachable: still ready (readiness is the own store only), a creation succeeds and its event is published once Kafka is reachable', async (c) => {
  const common = { DATABASE_URL: c.database.url, AUTH_JWKS_URL: c.auth.jwksUrl, LOG_LEVEL: 'silent' };
  const cutOff = await startProductApp({ ...common, KAFKA_BROKERS: '127.0.0.1:1' });
  let id: string;
  try {
    const ready = await callJson(cutOff.url, 'GET', '/readyz');
    assert.equal([ready.status, ready.body], [200, { status: 'up', checks: { postgres: 'up' } }]);
    const created = await callJson(cutOff.url, 'POST', '/', {
      token: c.admin,
      body: { name: `Kept ${uniqueSuffix()}`, description: '', price: 5, category: 'outbox', stock: 1 },
    });
    assert.is(created.status, 201);
    id = created.body.id;
  } finally {
    await cutOff.app.close();
  }
  // The same database, now with the real broker: the relay publishes what was kept.
  const events = await collectEvents(kafkaBrokers!, TOPICS.productEvents);
  const connected = await startProductApp({ ...common, KAFKA_BROKERS: kafkaBrokers });
  try {
    const [event] = await events.waitFor((e) => (e.product as { id?: string } | undefined)?.id === id);
    assert.is(event!.type, 'product.created');
  } finally {
    await connected.app.close();
    await events.close();
  }
});

outage.run();
