// stats-service against real PostgreSQL and Kafka, with a real auth-service for tokens: events
// are produced to the broker in order-service's and review-service's envelope and consumed back.
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAuthService, type RunningAuthService } from '@shopmesh/auth-service/testing';
import type { App } from '@shopmesh/service-kit';
import { applyMigrations } from '@shopmesh/service-kit/db';
import { newEvent } from '@shopmesh/service-kit/kafka';
import {
  createTestDatabase,
  createTestTopics,
  eventually,
  startTcpProxy,
  uniqueSuffix,
  waitUntilReady,
  type TestDatabase,
  type TestTopics,
} from '@shopmesh/service-kit/testing';
import { server } from '@shopmesh/testkit';
import { buildApp } from '../src/app.ts';

const postgresUrl = server('POSTGRES_URL');
const kafkaBrokers = server('KAFKA_BROKERS');
const migrationsFolder = new URL('../drizzle/', import.meta.url).pathname;

type Topic = 'order-events' | 'review-events';

interface Running {
  app: App;
  database: TestDatabase;
  topics: TestTopics<Topic>;
  close(): Promise<void>;
}

/** A stats-service on a fresh database and fresh topics; `viaDatabaseUrl` lets a test route it through a proxy. */
async function startStats(auth: RunningAuthService, viaDatabaseUrl?: (url: string) => Promise<string>): Promise<Running> {
  const database = await createTestDatabase(postgresUrl!, 'stats_test');
  await applyMigrations({ url: database.url, migrationsFolder });
  const topics = await createTestTopics<Topic>(kafkaBrokers!, ['order-events', 'review-events']);
  const { app } = await buildApp({
    env: {
      DATABASE_URL: viaDatabaseUrl ? await viaDatabaseUrl(database.url) : database.url,
      KAFKA_BROKERS: kafkaBrokers,
      AUTH_JWKS_URL: auth.jwksUrl,
      ORDER_EVENTS_TOPIC: topics.names['order-events'],
      REVIEW_EVENTS_TOPIC: topics.names['review-events'],
      KAFKA_GROUP_ID: `stats-test-${uniqueSuffix()}`,
      LOG_LEVEL: 'warn',
    },
  });
  await waitUntilReady(app);
  return {
    app,
    database,
    topics,
    async close() {
      await app.close();
      await topics.close();
      await database.drop();
    },
  };
}

type OrderEventType = 'order.created' | 'order.paid' | 'order.payment_failed';
const STATUS_AFTER: Record<OrderEventType, string> = { 'order.created': 'pending', 'order.paid': 'paid', 'order.payment_failed': 'payment_failed' };

/** An order event shaped as order-service's `orderEvent` builds it. */
const orderEvent = (
  type: OrderEventType,
  order: { orderId: string; userId: string; items: { productId: string; quantity: number; unitPrice: number }[] },
) =>
  newEvent(type, {
    orderId: order.orderId,
    userId: order.userId,
    status: STATUS_AFTER[type],
    items: order.items,
    total: order.items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0),
  });

/** A review event shaped as review-service's `reviewCreatedEvent` builds it. */
const reviewEvent = (productId: string, userId: string, rating: number) =>
  newEvent('review.created', { reviewId: randomUUID(), productId, userId, rating });

const Stats = suite<{ auth: RunningAuthService; stats: Running }>('stats-service');
// Without the test servers (outside CI) every test is reported as skipped.
const serversUp = Boolean(postgresUrl && kafkaBrokers);
const it = serversUp ? Stats : Stats.skip;

Stats.before(async (context) => {
  if (!serversUp) return;
  context.auth = await startAuthService(postgresUrl!);
  context.stats = await startStats(context.auth);
});
Stats.after(async ({ auth, stats }) => {
  await stats?.close();
  await auth?.close();
});

const getJson = async (app: App, url: string, token?: string) => {
  const response = await app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.statusCode, body: response.json() };
};

it('a paid order is counted once though its event is delivered twice; pending and failed orders are not', async ({ auth, stats }) => {
  const [lamp, chair, sentinel] = [randomUUID(), randomUUID(), randomUUID()];
  const userId = randomUUID();
  const paidOrder = {
    orderId: randomUUID(),
    userId,
    items: [
      { productId: lamp, quantity: 2, unitPrice: 1500 },
      { productId: chair, quantity: 1, unitPrice: 700 },
      { productId: lamp, quantity: 1, unitPrice: 1500 },
    ],
  };
  const failedOrder = { orderId: randomUUID(), userId, items: [{ productId: lamp, quantity: 5, unitPrice: 1500 }] };
  const paid = orderEvent('order.paid', paidOrder);
  const events = [
    orderEvent('order.created', paidOrder),
    paid,
    paid, // the same event again: a redelivery
    { ...paid, id: randomUUID() }, // the same payment announced under another event id
    orderEvent('order.created', failedOrder),
    orderEvent('order.payment_failed', failedOrder),
  ];
  for (const event of events) await stats.topics.publish('order-events', event, event.orderId);
  // Consumed after everything above (one partition): once it shows, the rest has been applied.
  const lastOrder = { orderId: randomUUID(), userId, items: [{ productId: sentinel, quantity: 1, unitPrice: 99 }] };
  await stats.topics.publish('order-events', orderEvent('order.paid', lastOrder), lastOrder.orderId);

  await eventually(async () => assert.is((await getJson(stats.app, `/products/${sentinel}`)).body.sold, 1));

  const admin = await auth.adminToken();
  assert.equal(await getJson(stats.app, '/sales', admin), { status: 200, body: { orders: 2, revenue: 4500 + 700 + 99 } });
  assert.equal((await getJson(stats.app, `/products/${lamp}`)).body, {
    productId: lamp, sold: 3, revenue: 4500, ratingCount: 0, ratingAverage: 0,
  });
  assert.equal((await getJson(stats.app, `/products/${chair}`)).body, {
    productId: chair, sold: 1, revenue: 700, ratingCount: 0, ratingAverage: 0,
  });
});

it('ratings: count and average per product, a redelivered review and a malformed one not counted', async ({ stats }) => {
  const [desk, sentinel] = [randomUUID(), randomUUID()];
  const first = reviewEvent(desk, randomUUID(), 5);
  await stats.topics.publish('review-events', first, desk);
  await stats.topics.publish('review-events', reviewEvent(desk, randomUUID(), 4), desk);
  await stats.topics.publish('review-events', first, desk); // redelivered
  await stats.topics.publish('review-events', reviewEvent(desk, randomUUID(), 4), desk);
  await stats.topics.publish('review-events', reviewEvent(desk, randomUUID(), 9), desk); // out of range: skipped
  await stats.topics.publish('review-events', reviewEvent(sentinel, randomUUID(), 2), sentinel);

  await eventually(async () => assert.is((await getJson(stats.app, `/products/${sentinel}`)).body.ratingCount, 1));
  assert.equal(await getJson(stats.app, `/products/${desk}`), {
    status: 200,
    body: { productId: desk, sold: 0, revenue: 0, ratingCount: 3, ratingAverage: 4.33 },
  });
});

it('an unknown product has zeros; an over-long id is refused with a 414 saying why', async ({ stats }) => {
  const unknown = randomUUID();
  assert.equal(await getJson(stats.app, `/products/${unknown}`), {
    status: 200,
    body: { productId: unknown, sold: 0, revenue: 0, ratingCount: 0, ratingAverage: 0 },
  });
  const tooLong = await getJson(stats.app, `/products/${'x'.repeat(101)}`);
  assert.is(tooLong.status, 414);
  assert.is(tooLong.body.error.code, 'uri_too_long');
  assert.match(tooLong.body.error.message, 'exceeding the max param length');
});

it('GET /sales is for admins: 401 without a token or with a forged one, 403 for a user', async ({ auth, stats }) => {
  assert.is((await getJson(stats.app, '/sales')).status, 401);
  const user = await auth.newUser();
  const forbidden = await getJson(stats.app, '/sales', user.accessToken);
  assert.is(forbidden.status, 403);
  assert.is(forbidden.body.error.code, 'forbidden');
  const [header, payload] = user.accessToken.split('.');
  const asAdmin = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), role: 'admin' })).toString('base64url');
  const forged = `${header}.${asAdmin}.${user.accessToken.split('.')[2]}`;
  assert.is((await getJson(stats.app, '/sales', forged)).status, 401);
});

it('PostgreSQL going away: /readyz and requests answer 503, and both recover when it is back', async ({ auth }) => {
  const proxy = await startTcpProxy(postgresUrl!);
  const stats = await startStats(auth, async (url) => proxy.via(url));
  try {
    const productUrl = `/products/${randomUUID()}`;
    assert.is((await getJson(stats.app, productUrl)).status, 200);
    await proxy.cut();
    const ready = await getJson(stats.app, '/readyz');
    assert.is(ready.status, 503);
    assert.equal(ready.body, { status: 'down', checks: { postgres: 'down' } });
    assert.is((await getJson(stats.app, productUrl)).status, 503);
    await proxy.restore();
    await eventually(async () => assert.is((await getJson(stats.app, productUrl)).status, 200));
    await waitUntilReady(stats.app);
  } finally {
    await stats.close();
    await proxy.close();
  }
});

Stats.run();
