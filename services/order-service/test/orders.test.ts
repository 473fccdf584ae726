// order-service end to end: real auth, product, cart and payment services, PostgreSQL, Redis and
// Kafka; the cart becomes a paid order, charged once however often the request is sent.
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { server } from '@shopmesh/testkit';
import { TOPICS } from '@shopmesh/service-kit/kafka';
import { callJson, collectEvents, eventually, startTcpProxy, type EventCollector } from '@shopmesh/service-kit/testing';
import { fillCart, startStack, type Stack } from './support.ts';

const postgresUrl = server('POSTGRES_URL');
const redisUrl = server('REDIS_URL');
const kafkaBrokers = server('KAFKA_BROKERS');
const serversUp = Boolean(postgresUrl && redisUrl && kafkaBrokers);

interface Context {
  stack: Stack;
  events: EventCollector;
}
const orders = suite<Context>('order-service', {} as Context);
const it = serversUp ? orders : orders.skip;

orders.before(async (context) => {
  if (!serversUp) return;
  context.stack = await startStack({ postgresUrl: postgresUrl!, redisUrl: redisUrl!, kafkaBrokers: kafkaBrokers! });
  context.events = await collectEvents(kafkaBrokers!, TOPICS.orderEvents);
});
orders.after(async (context) => {
  await context.events?.close();
  await context.stack?.close();
});

const placeOrder = (url: string, token: string, key: string = randomUUID()) =>
  callJson(url, 'POST', '/', { token, headers: { 'idempotency-key': key } });

async function outboxRows(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query('select count(*)::int as n from outbox_events')).rows[0].n;
  } finally {
    await client.end();
  }
}

async function ordersWithKey(databaseUrl: string, key: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query('select count(*)::int as n from orders where idempotency_key = $1', [key])).rows[0].n;
  } finally {
    await client.end();
  }
}

it('cart → paid order (re-priced, total in cents) → cart emptied → order.created and order.paid on Kafka', async ({ stack, events }) => {
  const user = await stack.auth.newUser();
  const pen = await stack.products.createProduct(stack.adminToken, { price: 250, stock: 10 });
  const book = await stack.products.createProduct(stack.adminToken, { price: 1_999, stock: 5 });
  await fillCart(stack.cart.url, user.accessToken, [
    { productId: pen.id, quantity: 2 },
    { productId: book.id, quantity: 1 },
  ]);
  const chargesBefore = await stack.payments.charges();

  const placed = await placeOrder(stack.orders.url, user.accessToken);
  assert.is(placed.status, 201);
  const order = placed.body;
  assert.is(order.status, 'paid');
  assert.is(order.total, 2 * 250 + 1_999);
  const expectedItems = [
    { productId: pen.id, quantity: 2, unitPrice: 250 },
    { productId: book.id, quantity: 1, unitPrice: 1_999 },
  ].sort((a, b) => a.productId.localeCompare(b.productId));
  assert.equal(order.items, expectedItems);
  assert.is(await stack.payments.charges(), chargesBefore + 1);

  assert.equal((await callJson(stack.cart.url, 'GET', '/', { token: user.accessToken })).body, { items: [], total: 0 });
  const read = await callJson(stack.orders.url, 'GET', `/${order.id}`, { token: user.accessToken });
  assert.equal([read.status, read.body], [200, order]);
  assert.equal((await callJson(stack.orders.url, 'GET', '/', { token: user.accessToken })).body.items, [order]);

  const received = await events.waitFor((event) => event.orderId === order.id, 2);
  const byType = Object.fromEntries(received.map((event) => [event.type, event]));
  assert.equal(Object.keys(byType).sort(), ['order.created', 'order.paid']);
  for (const event of received) {
    assert.is(event.userId, user.id);
    assert.equal(event.items, expectedItems);
    assert.is(event.total, order.total);
    assert.type(event.id, 'string');
  }
  assert.is(byType['order.paid']!.status, 'paid');
  assert.is.not(byType['order.created']!.id, byType['order.paid']!.id);
});

it('the order is priced at product-service, not at what the cart showed earlier', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const lamp = await stack.products.createProduct(stack.adminToken, { price: 4_000, stock: 3 });
  await fillCart(stack.cart.url, user.accessToken, [{ productId: lamp.id, quantity: 2 }]);
  await stack.products.updateProduct(stack.adminToken, lamp.id, { price: 3_500 });
  const placed = await placeOrder(stack.orders.url, user.accessToken);
  assert.is(placed.status, 201);
  assert.is(placed.body.total, 7_000);
  assert.equal(placed.body.items, [{ productId: lamp.id, quantity: 2, unitPrice: 3_500 }]);
});

it('stock fell below the cart → 409 insufficient_stock; nothing charged, the cart kept', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const rare = await stack.products.createProduct(stack.adminToken, { stock: 5 });
  await fillCart(stack.cart.url, user.accessToken, [{ productId: rare.id, quantity: 4 }]);
  await stack.products.updateProduct(stack.adminToken, rare.id, { stock: 3 });
  const chargesBefore = await stack.payments.charges();
  const refused = await placeOrder(stack.orders.url, user.accessToken);
  assert.is(refused.status, 409);
  assert.is(refused.body.error.code, 'insufficient_stock');
  assert.is(await stack.payments.charges(), chargesBefore);
  assert.is((await callJson(stack.cart.url, 'GET', '/', { token: user.accessToken })).body.items.length, 1);
});

it('the same Idempotency-Key again → 200 with the same order, charged once, even with a refilled cart', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const product = await stack.products.createProduct(stack.adminToken, { price: 1_000 });
  await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 1 }]);
  const key = randomUUID();
  const chargesBefore = await stack.payments.charges();
  const first = await placeOrder(stack.orders.url, user.accessToken, key);
  assert.is(first.status, 201);

  await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 3 }]);
  const again = await placeOrder(stack.orders.url, user.accessToken, key);
  assert.equal([again.status, again.body], [200, first.body]);
  assert.is(await stack.payments.charges(), chargesBefore + 1);
  assert.is(await ordersWithKey(stack.database.url, key), 1);
  // The retry did not touch the refilled cart.
  assert.is((await callJson(stack.cart.url, 'GET', '/', { token: user.accessToken })).body.items[0].quantity, 3);
});

it('concurrent duplicates (same key at once, two replicas) → one order, one 201, one charge, one order.paid', async ({ stack, events }) => {
  const user = await stack.auth.newUser();
  const product = await stack.products.createProduct(stack.adminToken, { price: 700 });
  await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 2 }]);
  const replica = await stack.startOrderService();
  const key = randomUUID();
  const chargesBefore = await stack.payments.charges();
  const answers = await Promise.all(
    [stack.orders.url, replica.url, stack.orders.url, replica.url, stack.orders.url].map((url) =>
      placeOrder(url, user.accessToken, key),
    ),
  );
  assert.equal(answers.map((answer) => answer.status).sort(), [200, 200, 200, 200, 201]);
  const ids = new Set(answers.map((answer) => answer.body.id));
  assert.is(ids.size, 1);
  for (const answer of answers) assert.equal(answer.body, answers[0]!.body);
  assert.is(answers[0]!.body.status, 'paid');
  assert.is(await stack.payments.charges(), chargesBefore + 1);
  assert.is(await ordersWithKey(stack.database.url, key), 1);

  const orderId = answers[0]!.body.id as string;
  await events.waitFor((event) => event.orderId === orderId && event.type === 'order.paid');
  // Barrier: an empty outbox means every event the five requests caused is on Kafka; once the
  // collector has caught up with the topic, each of them is recorded.
  await eventually(async () => assert.is(await outboxRows(stack.database.url), 0, 'the outbox is drained'), { timeoutMs: 30_000 });
  await events.caughtUp();
  const paidEvents = events.events.filter((event) => event.orderId === orderId && event.type === 'order.paid');
  assert.is(new Set(paidEvents.map((event) => event.id)).size, 1, 'one order.paid event (redeliveries share its id)');
});

it('an empty cart → 409 empty_cart (also right after a paid order emptied it)', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const empty = await placeOrder(stack.orders.url, user.accessToken);
  assert.is(empty.status, 409);
  assert.is(empty.body.error.code, 'empty_cart');
  const product = await stack.products.createProduct(stack.adminToken);
  await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 1 }]);
  assert.is((await placeOrder(stack.orders.url, user.accessToken)).status, 201);
  assert.is((await placeOrder(stack.orders.url, user.accessToken)).status, 409);
});

it('a declined payment → 201 payment_failed, order.payment_failed emitted, the cart kept; a retry repeats it', async ({ stack, events }) => {
  const user = await stack.auth.newUser();
  const product = await stack.products.createProduct(stack.adminToken, { price: 5_000 });
  await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 1 }]);
  const key = randomUUID();
  const declined = await placeOrder(stack.ordersDeclined.url, user.accessToken, key);
  assert.is(declined.status, 201);
  assert.is(declined.body.status, 'payment_failed');
  assert.is(declined.body.failureReason, 'the payment was declined');
  assert.is(declined.body.total, 5_000);
  assert.is((await callJson(stack.cart.url, 'GET', '/', { token: user.accessToken })).body.items.length, 1);
  const [event] = await events.waitFor((candidate) => candidate.orderId === declined.body.id && candidate.type === 'order.payment_failed');
  assert.is(event!.status, 'payment_failed');
  const retried = await placeOrder(stack.ordersDeclined.url, user.accessToken, key);
  assert.equal([retried.status, retried.body], [200, declined.body]);
  assert.is(events.events.some((candidate) => candidate.orderId === declined.body.id && candidate.type === 'order.paid'), false);
});

it("users see only their own orders, newest first; another user's order → 404", async ({ stack }) => {
  const [alice, bob] = await Promise.all([stack.auth.newUser(), stack.auth.newUser()]);
  const product = await stack.products.createProduct(stack.adminToken, { stock: 100 });
  const placed: string[] = [];
  for (let i = 0; i < 2; i++) {
    await fillCart(stack.cart.url, alice.accessToken, [{ productId: product.id, quantity: 1 }]);
    placed.push((await placeOrder(stack.orders.url, alice.accessToken)).body.id);
  }
  const listed = await callJson(stack.orders.url, 'GET', '/', { token: alice.accessToken });
  assert.equal(listed.body.items.map((order: { id: string }) => order.id), [...placed].reverse());
  assert.equal((await callJson(stack.orders.url, 'GET', '/', { token: bob.accessToken })).body, { items: [], nextCursor: null });

  const stolen = await callJson(stack.orders.url, 'GET', `/${placed[0]}`, { token: bob.accessToken });
  assert.is(stolen.status, 404);
  assert.is(stolen.body.error.code, 'not_found');
  assert.is((await callJson(stack.orders.url, 'GET', `/${randomUUID()}`, { token: alice.accessToken })).status, 404);
  assert.is((await callJson(stack.orders.url, 'GET', `/${placed[0]}`, { token: alice.accessToken })).status, 200);
});

it('an Idempotency-Key per user: the same key from another user is another order', async ({ stack }) => {
  const [alice, bob] = await Promise.all([stack.auth.newUser(), stack.auth.newUser()]);
  const product = await stack.products.createProduct(stack.adminToken);
  const key = randomUUID();
  for (const user of [alice, bob]) await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 1 }]);
  const fromAlice = await placeOrder(stack.orders.url, alice.accessToken, key);
  const fromBob = await placeOrder(stack.orders.url, bob.accessToken, key);
  assert.is(fromAlice.status, 201);
  assert.is(fromBob.status, 201);
  assert.is.not(fromAlice.body.id, fromBob.body.id);
});

it('bad requests: no Idempotency-Key → 400 on that field; no or forged token → 401 first; bad id → 400', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const noKey = await callJson(stack.orders.url, 'POST', '/', { token: user.accessToken });
  assert.is(noKey.status, 400);
  assert.is(noKey.body.error.field, 'idempotency-key');
  const tooLong = await placeOrder(stack.orders.url, user.accessToken, 'k'.repeat(201));
  assert.is(tooLong.status, 400);
  assert.is(tooLong.body.error.field, 'idempotency-key');
  const forged = 'eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
  for (const token of [undefined, forged]) {
    for (const [method, path] of [['POST', '/'], ['GET', '/'], ['GET', `/${randomUUID()}`]] as const) {
      assert.is((await callJson(stack.orders.url, method, path, token ? { token } : {})).status, 401, `${method} ${path}`);
    }
  }
  const badId = await callJson(stack.orders.url, 'GET', '/not-a-uuid', { token: user.accessToken });
  assert.is(badId.status, 400);
  assert.is(badId.body.error.field, 'id');
  assert.is((await callJson(stack.orders.url, 'GET', '/?limit=0', { token: user.accessToken })).body.error.field, 'limit');
});

it('payment-service down → 503 and the order waits as pending; the retry with the same key pays it, charged once', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const product = await stack.products.createProduct(stack.adminToken, { price: 1_500 });
  await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 1 }]);
  const proxy = await startTcpProxy(stack.payments.url);
  const orders = await stack.startOrderService({ PAYMENT_SERVICE_URL: proxy.via(stack.payments.url) });
  try {
    await proxy.cut();
    assert.is((await callJson(orders.url, 'GET', '/readyz')).status, 200, 'a peer being down is not a reason to leave the endpoints');
    const key = randomUUID();
    const during = await placeOrder(orders.url, user.accessToken, key);
    assert.is(during.status, 503);
    assert.is(during.body.error.code, 'dependency_unavailable');
    const pending = (await callJson(orders.url, 'GET', '/', { token: user.accessToken })).body.items;
    assert.equal(pending.map((order: { status: string }) => order.status), ['pending']);

    await proxy.restore();
    const chargesBefore = await stack.payments.charges();
    const retried = await placeOrder(orders.url, user.accessToken, key);
    assert.is(retried.status, 200);
    assert.is(retried.body.id, pending[0].id);
    assert.is(retried.body.status, 'paid');
    assert.is(await stack.payments.charges(), chargesBefore + 1);
    assert.equal((await callJson(stack.cart.url, 'GET', '/', { token: user.accessToken })).body, { items: [], total: 0 });
  } finally {
    await proxy.close();
  }
});

it('PostgreSQL down → /readyz 503 and requests 503; back up → both recover', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const proxy = await startTcpProxy(stack.database.url);
  const orders = await stack.startOrderService({ DATABASE_URL: proxy.via(stack.database.url) });
  try {
    await proxy.cut();
    const notReady = await callJson(orders.url, 'GET', '/readyz');
    assert.is(notReady.status, 503);
    assert.equal(notReady.body, { status: 'down', checks: { postgres: 'down' } });
    assert.is((await callJson(orders.url, 'GET', '/', { token: user.accessToken })).status, 503);
    assert.is((await placeOrder(orders.url, user.accessToken)).status, 503);
    await proxy.restore();
    assert.is((await callJson(orders.url, 'GET', '/readyz')).status, 200);
    const listed = await callJson(orders.url, 'GET', '/', { token: user.accessToken });
    assert.equal([listed.status, listed.body], [200, { items: [], nextCursor: null }]);
  } finally {
    await proxy.close();
  }
});

orders.run();
