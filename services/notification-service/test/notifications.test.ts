// notification-service against real Redis and Kafka, with a real auth-service for tokens: order
// events are produced to the broker in order-service's envelope and consumed back.
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startAuthService, type RunningAuthService } from '@shopmesh/auth-service/testing';
import type { App } from '@shopmesh/service-kit';
import { newEvent } from '@shopmesh/service-kit/kafka';
import { createTestTopics, eventually, startTcpProxy, uniqueSuffix, waitUntilReady, type TestTopics } from '@shopmesh/service-kit/testing';
import { server } from '@shopmesh/testkit';
import { buildApp } from '../src/app.ts';

const redisUrl = server('REDIS_URL');
const postgresUrl = server('POSTGRES_URL');
const kafkaBrokers = server('KAFKA_BROKERS');

interface Running {
  app: App;
  topics: TestTopics<'order-events'>;
  close(): Promise<void>;
}

async function startNotifications(auth: RunningAuthService, redis = redisUrl!): Promise<Running> {
  const topics = await createTestTopics(kafkaBrokers!, ['order-events']);
  const { app } = await buildApp({
    env: {
      REDIS_URL: redis,
      KAFKA_BROKERS: kafkaBrokers,
      AUTH_JWKS_URL: auth.jwksUrl,
      ORDER_EVENTS_TOPIC: topics.names['order-events'],
      KAFKA_GROUP_ID: `notification-test-${uniqueSuffix()}`,
      LOG_LEVEL: 'warn',
    },
  });
  await waitUntilReady(app);
  return {
    app,
    topics,
    async close() {
      await app.close();
      await topics.close();
    },
  };
}

/** An order event shaped as order-service's `orderEvent` builds it, at a given time (so "newest first" is checkable). */
function orderEvent(type: 'order.created' | 'order.paid', order: { orderId: string; userId: string }, at: string) {
  const status = type === 'order.paid' ? 'paid' : 'pending'; // as order-service sets them
  const items = [{ productId: randomUUID(), quantity: 1, unitPrice: 1200 }];
  return { ...newEvent(type, { ...order, items, total: 1200, status }), occurredAt: at };
}

const listFor = async (app: App, token?: string) => {
  const response = await app.inject({ method: 'GET', url: '/', headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.statusCode, body: response.json() };
};

const Notifications = suite<{ auth: RunningAuthService; service: Running }>('notification-service');
// Without the test servers (outside CI) every test is reported as skipped.
const serversUp = Boolean(redisUrl && postgresUrl && kafkaBrokers);
const it = serversUp ? Notifications : Notifications.skip;

Notifications.before(async (context) => {
  if (!serversUp) return;
  context.auth = await startAuthService(postgresUrl!);
  context.service = await startNotifications(context.auth);
});
Notifications.after(async ({ auth, service }) => {
  await service?.close();
  await auth?.close();
});

it("each user lists their own orders' notifications, newest first, a redelivered event once", async ({ auth, service }) => {
  const [alice, bob] = [await auth.newUser(), await auth.newUser()];
  const aliceOrder = { orderId: randomUUID(), userId: alice.id };
  const bobOrder = { orderId: randomUUID(), userId: bob.id };
  const created = orderEvent('order.created', aliceOrder, '2030-01-01T10:00:00.000Z');
  const paid = orderEvent('order.paid', aliceOrder, '2030-01-01T10:00:01.000Z');
  await service.topics.publish('order-events', created, aliceOrder.orderId);
  await service.topics.publish('order-events', paid, aliceOrder.orderId);
  await service.topics.publish('order-events', paid, aliceOrder.orderId); // redelivered
  await service.topics.publish('order-events', { ...newEvent('order.paid', { orderId: 'no-user' }) }); // malformed: skipped
  // Published last on the one partition: once Bob sees it, everything above was consumed.
  const bobCreated = orderEvent('order.created', bobOrder, '2030-01-01T09:00:00.000Z');
  await service.topics.publish('order-events', bobCreated, bobOrder.orderId);

  await eventually(async () => assert.is((await listFor(service.app, bob.accessToken)).body.items.length, 1));

  assert.equal(await listFor(service.app, alice.accessToken), {
    status: 200,
    body: {
      items: [
        { id: paid.id, type: 'order.paid', orderId: aliceOrder.orderId, createdAt: paid.occurredAt },
        { id: created.id, type: 'order.created', orderId: aliceOrder.orderId, createdAt: created.occurredAt },
      ],
    },
  });
  assert.equal((await listFor(service.app, bob.accessToken)).body.items, [
    { id: bobCreated.id, type: 'order.created', orderId: bobOrder.orderId, createdAt: bobCreated.occurredAt },
  ]);
  const stranger = await auth.newUser();
  assert.equal(await listFor(service.app, stranger.accessToken), { status: 200, body: { items: [] } });
});

it('authentication: 401 without a token or with a bad one; a bad limit is a 400 naming it', async ({ auth, service }) => {
  const none = await listFor(service.app);
  assert.is(none.status, 401);
  const user = await auth.newUser();
  assert.is((await listFor(service.app, `${user.accessToken.slice(0, -4)}AAAA`)).status, 401);
  const badLimit = await service.app.inject({
    method: 'GET',
    url: '/?limit=1000',
    headers: { authorization: `Bearer ${user.accessToken}` },
  });
  assert.is(badLimit.statusCode, 400);
  assert.is(badLimit.json().error.field, 'limit');
});

it('Redis going away: /readyz and requests answer 503, and both recover when it is back', async ({ auth }) => {
  const proxy = await startTcpProxy(redisUrl!);
  const service = await startNotifications(auth, proxy.via(redisUrl!));
  try {
    const user = await auth.newUser();
    assert.is((await listFor(service.app, user.accessToken)).status, 200);
    await proxy.cut();
    const ready = await service.app.inject({ method: 'GET', url: '/readyz' });
    assert.is(ready.statusCode, 503);
    assert.equal(ready.json(), { status: 'down', checks: { redis: 'down' } });
    assert.is((await listFor(service.app, user.accessToken)).status, 503);
    await proxy.restore();
    await eventually(async () => assert.is((await listFor(service.app, user.accessToken)).status, 200));
    await waitUntilReady(service.app);
  } finally {
    await service.close();
    await proxy.close();
  }
});

Notifications.run();
