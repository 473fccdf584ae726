// The order lifecycle against real auth, product, cart and payment services, PostgreSQL, Redis
// and Kafka: stock reserved and given back, payment faults (a restart between attempt and retry,
// a refusal), the reconciler ending pending orders, totals, the cart after a paid order, paging.
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { callJson, eventually, startTcpProxy } from '@shopmesh/service-kit/testing';
import { startPaymentService } from '@shopmesh/payment-service/testing';
import { canMove, orderStatuses, IllegalTransitionError, assertMove } from '../src/lifecycle.ts';
import { fillCart, startStack, type Stack } from './support.ts';

const postgresUrl = server('POSTGRES_URL');
const redisUrl = server('REDIS_URL');
const kafkaBrokers = server('KAFKA_BROKERS');
const serversUp = Boolean(postgresUrl && redisUrl && kafkaBrokers);

interface Context {
  stack: Stack;
}
const lifecycle = suite<Context>('order-service lifecycle', {} as Context);
const it = serversUp ? lifecycle : lifecycle.skip;

lifecycle.before(async (context) => {
  if (!serversUp) return;
  context.stack = await startStack({ postgresUrl: postgresUrl!, redisUrl: redisUrl!, kafkaBrokers: kafkaBrokers! });
});
lifecycle.after(async (context) => {
  await context.stack?.close();
});

const placeOrder = (url: string, token: string, key: string = randomUUID(), body?: unknown) =>
  callJson(url, 'POST', '/', { token, headers: { 'idempotency-key': key }, ...(body === undefined ? {} : { body }) });
const stockOf = async (stack: Stack, id: string): Promise<number> =>
  (await callJson(stack.products.url, 'GET', `/${id}`)).body.stock as number;
const cartOf = async (stack: Stack, token: string): Promise<Record<string, number>> =>
  Object.fromEntries(
    ((await callJson(stack.cart.url, 'GET', '/', { token })).body.items as { productId: string; quantity: number }[]).map((item) => [
      item.productId,
      item.quantity,
    ]),
  );
const orderOf = async (stack: Stack, token: string, id: string) => (await callJson(stack.orders.url, 'GET', `/${id}`, { token })).body;

lifecycle('transitions: only pending moves, to paid, payment_failed or cancelled; anything else throws', () => {
  for (const from of orderStatuses) {
    for (const to of orderStatuses) {
      const allowed = from === 'pending' && to !== 'pending';
      assert.is(canMove(from, to), allowed, `${from} -> ${to}`);
      if (!allowed) assert.throws(() => assertMove(from, to), (error: unknown) => error instanceof IllegalTransitionError);
    }
  }
});

it('a paid order keeps its stock; a declined one gives it back and says why', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const lamp = await stack.products.createProduct(stack.adminToken, { price: 900, stock: 5 });
  await fillCart(stack.cart.url, user.accessToken, [{ productId: lamp.id, quantity: 2 }]);
  const paid = await placeOrder(stack.orders.url, user.accessToken);
  assert.equal([paid.status, paid.body.status], [201, 'paid']);
  assert.is(await stockOf(stack, lamp.id), 3);

  await fillCart(stack.cart.url, user.accessToken, [{ productId: lamp.id, quantity: 3 }]);
  const declined = await placeOrder(stack.ordersDeclined.url, user.accessToken);
  assert.equal([declined.status, declined.body.status, declined.body.failureReason], [201, 'payment_failed', 'the payment was declined']);
  assert.is(await stockOf(stack, lamp.id), 3, 'the declined order gave its 3 back');
});

it("a paid order takes only what it bought out of the cart; lines added meanwhile stay", async ({ stack }) => {
  const user = await stack.auth.newUser();
  const [pen, mug] = [await stack.products.createProduct(stack.adminToken, { stock: 20 }), await stack.products.createProduct(stack.adminToken)];
  await fillCart(stack.cart.url, user.accessToken, [{ productId: pen.id, quantity: 2 }]);
  const proxy = await startTcpProxy(stack.payments.url);
  const orders = await stack.startOrderService({ PAYMENT_SERVICE_URL: proxy.via(stack.payments.url) });
  try {
    await proxy.cut();
    const key = randomUUID();
    assert.is((await placeOrder(orders.url, user.accessToken, key)).status, 503);
    // While the order waits, the user goes on shopping.
    await fillCart(stack.cart.url, user.accessToken, [
      { productId: pen.id, quantity: 5 },
      { productId: mug.id, quantity: 1 },
    ]);
    await proxy.restore();
    const paid = await placeOrder(orders.url, user.accessToken, key);
    assert.equal([paid.status, paid.body.status, paid.body.items[0].quantity], [200, 'paid', 2]);
    assert.equal(await cartOf(stack, user.accessToken), { [pen.id]: 3, [mug.id]: 1 });
  } finally {
    await orders.close();
    await proxy.close();
  }
});

it('payment-service restarted between a timed-out first attempt and the retry: one charge, the order paid', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const product = await stack.products.createProduct(stack.adminToken, { price: 1_234, stock: 4 });
  await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 1 }]);
  // Slower than order-service waits: the first attempt times out while the charge goes through.
  const payments = await startPaymentService({ redisUrl: redisUrl!, failureRate: 0, latencyMs: 700 });
  const orders = await stack.startOrderService({ PAYMENT_SERVICE_URL: payments.url, PAYMENT_TIMEOUT_MS: '150' });
  try {
    const key = randomUUID();
    const first = await placeOrder(orders.url, user.accessToken, key);
    assert.equal([first.status, first.body.error.code], [503, 'dependency_unavailable']);
    await eventually(async () => assert.is(await payments.charges(), 1, 'the first attempt charged'), { timeoutMs: 5_000 });

    await payments.restart();
    const retried = await placeOrder(orders.url, user.accessToken, key);
    assert.equal([retried.status, retried.body.status], [200, 'paid']);
    assert.is(await payments.charges(), 1, 'the restarted payment-service answered with the first charge');
    assert.is(await stockOf(stack, product.id), 3, 'reserved once');
  } finally {
    await orders.close();
    await payments.close();
  }
});

it('payment-service refuses the charge (4xx) → payment_failed with its reason, never a 500; the stock goes back', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const product = await stack.products.createProduct(stack.adminToken, { price: 2_000, stock: 2 });
  await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 2 }]);
  const proxy = await startTcpProxy(stack.payments.url);
  const orders = await stack.startOrderService({ PAYMENT_SERVICE_URL: proxy.via(stack.payments.url) });
  try {
    await proxy.cut();
    const key = randomUUID();
    assert.is((await placeOrder(orders.url, user.accessToken, key)).status, 503);
    const pending = (await callJson(orders.url, 'GET', '/', { token: user.accessToken })).body.items[0];
    assert.is(pending.status, 'pending');
    assert.is(await stockOf(stack, product.id), 0, 'the pending order holds the stock');
    // Meanwhile the order's key was used for another amount: payment-service answers 409 from now on.
    const other = await callJson(stack.payments.url, 'POST', '/charges', {
      headers: { 'idempotency-key': pending.id, 'x-payment-caller-token': stack.payments.callerToken },
      body: { orderId: pending.id, amount: 1 },
    });
    assert.is(other.status, 201);
    await proxy.restore();

    const refused = await placeOrder(orders.url, user.accessToken, key);
    assert.equal([refused.status, refused.body.status], [200, 'payment_failed']);
    assert.match(refused.body.failureReason, /idempotency_key_reused/);
    assert.is(await stockOf(stack, product.id), 2);
    assert.is(Object.keys(await cartOf(stack, user.accessToken)).length, 1, 'the cart is kept');
  } finally {
    await orders.close();
    await proxy.close();
  }
});

it('the reconciler pays an order left pending, asking payment-service with the same key (charged once)', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const product = await stack.products.createProduct(stack.adminToken, { price: 3_000, stock: 3 });
  await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 1 }]);
  const proxy = await startTcpProxy(stack.payments.url);
  const orders = await stack.startOrderService({ PAYMENT_SERVICE_URL: proxy.via(stack.payments.url) });
  let reconciling: Awaited<ReturnType<Stack['startOrderService']>> | undefined;
  try {
    await proxy.cut();
    const placed = await placeOrder(orders.url, user.accessToken);
    assert.is(placed.status, 503);
    const id = (await callJson(orders.url, 'GET', '/', { token: user.accessToken })).body.items[0].id as string;
    const chargesBefore = await stack.payments.charges();
    await proxy.restore();
    // No retry from the client: a replica's reconciler ends it.
    reconciling = await stack.startOrderService({ ORDER_RECONCILE_INTERVAL_MS: '100', ORDER_PENDING_GRACE_MS: '0' });
    await eventually(async () => assert.is((await orderOf(stack, user.accessToken, id)).status, 'paid'), { timeoutMs: 10_000 });
    assert.is(await stack.payments.charges(), chargesBefore + 1);
    assert.is(await stockOf(stack, product.id), 2);
    await eventually(async () => assert.equal(await cartOf(stack, user.accessToken), {}, 'the paid quantities left the cart'), { timeoutMs: 5_000 });
  } finally {
    await reconciling?.close();
    await orders.close();
    await proxy.close();
  }
});

it('past the deadline the reconciler cancels a pending order: it waits while payment-service is away, then voids the key and gives the stock back', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const product = await stack.products.createProduct(stack.adminToken, { price: 4_000, stock: 3 });
  await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 3 }]);
  const proxy = await startTcpProxy(stack.payments.url);
  const cancelling = { ORDER_RECONCILE_INTERVAL_MS: '100', ORDER_PENDING_GRACE_MS: '0', ORDER_PENDING_DEADLINE_MS: '0' };
  const orders = await stack.startOrderService({ PAYMENT_SERVICE_URL: proxy.via(stack.payments.url), ...cancelling });
  try {
    await proxy.reject();
    const key = randomUUID();
    assert.is((await placeOrder(orders.url, user.accessToken, key)).status, 503);
    const id = (await callJson(orders.url, 'GET', '/', { token: user.accessToken })).body.items[0].id as string;
    // Barrier: the reconciler has tried payment-service at least twice more since the placement.
    const tried = proxy.rejected;
    await eventually(() => assert.ok(proxy.rejected >= tried + 2, `${proxy.rejected - tried} attempts`), { timeoutMs: 10_000 });
    assert.is((await orderOf(stack, user.accessToken, id)).status, 'pending', 'without an answer from payment-service nothing is decided');
    assert.is(await stockOf(stack, product.id), 0);

    const chargesBefore = await stack.payments.charges();
    await proxy.restore();
    await eventually(async () => assert.is((await orderOf(stack, user.accessToken, id)).status, 'cancelled'), { timeoutMs: 10_000 });
    assert.match((await orderOf(stack, user.accessToken, id)).failureReason, /no payment outcome/);
    await eventually(async () => assert.is(await stockOf(stack, product.id), 3), { timeoutMs: 5_000 });
    // The client's late retry finds it cancelled and is not charged.
    const late = await placeOrder(stack.orders.url, user.accessToken, key);
    assert.equal([late.status, late.body.status], [200, 'cancelled']);
    const direct = await callJson(stack.payments.url, 'POST', '/charges', {
      headers: { 'idempotency-key': id, 'x-payment-caller-token': stack.payments.callerToken },
      body: { orderId: id, amount: 12_000 },
    });
    assert.equal([direct.status, direct.body.error.code], [409, 'charge_voided']);
    assert.is(await stack.payments.charges(), chargesBefore);
  } finally {
    await orders.close();
    await proxy.close();
  }
});

it('the client sends the total it saw: a different one → 409 with both numbers and nothing written; the same → 201', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const product = await stack.products.createProduct(stack.adminToken, { price: 1_500, stock: 4 });
  await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 2 }]);
  await stack.products.updateProduct(stack.adminToken, product.id, { price: 1_700 });
  const key = randomUUID();
  const changed = await placeOrder(stack.orders.url, user.accessToken, key, { expectedTotal: 3_000 });
  assert.is(changed.status, 409);
  assert.equal(changed.body, {
    error: { code: 'total_changed', message: "the order's total is 3400 cents, not 3000", field: 'expectedTotal' },
    expectedTotal: 3_000,
    total: 3_400,
  });
  assert.equal((await callJson(stack.orders.url, 'GET', '/', { token: user.accessToken })).body.items, []);
  assert.is(await stockOf(stack, product.id), 4);
  const agreed = await placeOrder(stack.orders.url, user.accessToken, key, { expectedTotal: 3_400 });
  assert.equal([agreed.status, agreed.body.total], [201, 3_400]);

  for (const [body, field] of [[{ expectedTotal: -1 }, 'expectedTotal'], [{ expectedTotal: '3400' }, 'expectedTotal'], [{ total: 1 }, 'total']] as const) {
    const bad = await placeOrder(stack.orders.url, user.accessToken, randomUUID(), body);
    assert.equal([bad.status, bad.body.error.field], [400, field], JSON.stringify(body));
  }
});

it('a total over what payment-service accepts → 409 total_over_limit before anything is written', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const jewel = await stack.products.createProduct(stack.adminToken, { price: 100_000_000, stock: 5 });
  await fillCart(stack.cart.url, user.accessToken, [{ productId: jewel.id, quantity: 1 }]);
  const one = await placeOrder(stack.orders.url, user.accessToken);
  assert.equal([one.status, one.body.total], [201, 100_000_000], 'exactly the cap is accepted');
  await fillCart(stack.cart.url, user.accessToken, [{ productId: jewel.id, quantity: 2 }]);
  const two = await placeOrder(stack.orders.url, user.accessToken);
  assert.equal([two.status, two.body.error.code, two.body.error.field], [409, 'total_over_limit', 'total']);
  assert.is(await stockOf(stack, jewel.id), 4);
  assert.is((await callJson(stack.orders.url, 'GET', '/', { token: user.accessToken })).body.items.length, 1);
});

it('stock gone between the cart and the order → 409 on the line; no order, nothing charged', async ({ stack }) => {
  const [alice, bob] = [await stack.auth.newUser(), await stack.auth.newUser()];
  const product = await stack.products.createProduct(stack.adminToken, { stock: 1 });
  for (const user of [alice, bob]) await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 1 }]);
  const chargesBefore = await stack.payments.charges();
  const [a, b] = await Promise.all([placeOrder(stack.orders.url, alice.accessToken), placeOrder(stack.orders.url, bob.accessToken)]);
  const statuses = [a.status, b.status].sort();
  assert.equal(statuses, [201, 409]);
  const loser = a.status === 409 ? a : b;
  assert.is(loser.body.error.code, 'insufficient_stock');
  assert.is(await stack.payments.charges(), chargesBefore + 1);
  assert.is(await stockOf(stack, product.id), 0);
  const loserToken = a.status === 409 ? alice.accessToken : bob.accessToken;
  assert.equal((await callJson(stack.orders.url, 'GET', '/', { token: loserToken })).body.items, []);
});

it('GET / pages by cursor: newest first, every order once, nextCursor null at the end; a bad cursor → 400', async ({ stack }) => {
  const user = await stack.auth.newUser();
  const product = await stack.products.createProduct(stack.adminToken, { stock: 50 });
  const placed: string[] = [];
  for (let i = 0; i < 5; i++) {
    await fillCart(stack.cart.url, user.accessToken, [{ productId: product.id, quantity: 1 }]);
    placed.push((await placeOrder(stack.orders.url, user.accessToken)).body.id);
  }
  const seen: string[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
    const page = await callJson(stack.orders.url, 'GET', `/${query}`, { token: user.accessToken });
    assert.is(page.status, 200);
    seen.push(...page.body.items.map((order: { id: string }) => order.id));
    sizes.push(page.body.items.length);
    cursor = page.body.nextCursor;
  } while (cursor);
  assert.equal(sizes, [2, 2, 1]);
  assert.equal(seen, [...placed].reverse());

  for (const bad of ['nonsense', Buffer.from('["yesterday","x"]').toString('base64url'), 'x'.repeat(201)]) {
    const answer = await callJson(stack.orders.url, 'GET', `/?cursor=${bad}`, { token: user.accessToken });
    assert.equal([answer.status, answer.body.error.field], [400, 'cursor'], bad);
  }
  assert.is((await callJson(stack.orders.url, 'GET', '/?page=2', { token: user.accessToken })).body.error.field, 'page');
});

lifecycle.run();
