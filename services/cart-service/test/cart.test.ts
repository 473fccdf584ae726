// cart-service against real Redis, a real auth-service and a real product-service.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { callJson, eventually, startTcpProxy, type TcpProxy } from '@shopmesh/service-kit/testing';
import { startAuthService, type RunningAuthService } from '@shopmesh/auth-service/testing';
import { startProductService, type RunningProductService } from '@shopmesh/product-service/testing';
import { startCartService, type RunningCartService } from './harness.ts';

const postgresUrl = server('POSTGRES_URL');
const redisUrl = server('REDIS_URL');
const kafkaBrokers = server('KAFKA_BROKERS');
const serversUp = Boolean(postgresUrl && redisUrl && kafkaBrokers);

interface Context {
  auth: RunningAuthService;
  products: RunningProductService;
  adminToken: string;
  cart: RunningCartService;
}
const cart = suite<Context>('cart-service', {} as Context);
const it = serversUp ? cart : cart.skip;

cart.before(async (context) => {
  if (!serversUp) return;
  context.auth = await startAuthService(postgresUrl!);
  context.adminToken = await context.auth.adminToken();
  context.products = await startProductService(postgresUrl!, { jwksUrl: context.auth.jwksUrl, kafkaBrokers: kafkaBrokers! });
  context.cart = await startCartService({
    REDIS_URL: redisUrl!,
    AUTH_JWKS_URL: context.auth.jwksUrl,
    PRODUCT_SERVICE_URL: context.products.url,
  });
});
cart.after(async (context) => {
  await context.cart?.close();
  await context.products?.close();
  await context.auth?.close();
});

it('a new user has an empty cart', async ({ auth, cart }) => {
  const user = await auth.newUser();
  const shown = await callJson(cart.url, 'GET', '/', { token: user.accessToken });
  assert.equal([shown.status, shown.body], [200, { items: [], total: 0 }]);
});

it('add, update and remove lines; prices come from product-service; total in cents', async ({ auth, products, adminToken, cart }) => {
  const user = await auth.newUser();
  const pen = await products.createProduct(adminToken, { price: 250, stock: 10 });
  const book = await products.createProduct(adminToken, { price: 1_999, stock: 3 });
  const put = (productId: string, quantity: number) =>
    callJson(cart.url, 'PUT', `/items/${productId}`, { token: user.accessToken, body: { quantity } });

  const added = await put(pen.id, 2);
  assert.equal([added.status, added.body], [200, { items: [{ productId: pen.id, quantity: 2, unitPrice: 250 }], total: 500 }]);

  await put(book.id, 1);
  const updated = await put(pen.id, 4);
  assert.is(updated.status, 200);
  const byId = (a: { productId: string }, b: { productId: string }) => a.productId.localeCompare(b.productId);
  assert.equal(
    updated.body.items,
    [
      { productId: pen.id, quantity: 4, unitPrice: 250 },
      { productId: book.id, quantity: 1, unitPrice: 1_999 },
    ].sort(byId),
  );
  assert.is(updated.body.total, 4 * 250 + 1_999);

  const removed = await put(pen.id, 0);
  assert.equal(removed.body, { items: [{ productId: book.id, quantity: 1, unitPrice: 1_999 }], total: 1_999 });
  assert.equal((await callJson(cart.url, 'GET', '/', { token: user.accessToken })).body, removed.body);
});

it('the cart shows the current price: a price change at product-service shows at once', async ({ auth, products, adminToken, cart }) => {
  const user = await auth.newUser();
  const mug = await products.createProduct(adminToken, { price: 800, stock: 5 });
  await callJson(cart.url, 'PUT', `/items/${mug.id}`, { token: user.accessToken, body: { quantity: 3 } });
  await products.updateProduct(adminToken, mug.id, { price: 650 });
  const shown = await callJson(cart.url, 'GET', '/', { token: user.accessToken });
  assert.equal(shown.body, { items: [{ productId: mug.id, quantity: 3, unitPrice: 650 }], total: 1_950 });
});

it('each user has their own cart', async ({ auth, products, adminToken, cart }) => {
  const [alice, bob] = await Promise.all([auth.newUser(), auth.newUser()]);
  const lamp = await products.createProduct(adminToken);
  await callJson(cart.url, 'PUT', `/items/${lamp.id}`, { token: alice.accessToken, body: { quantity: 1 } });
  assert.equal((await callJson(cart.url, 'GET', '/', { token: bob.accessToken })).body, { items: [], total: 0 });
  assert.is((await callJson(cart.url, 'GET', '/', { token: alice.accessToken })).body.items.length, 1);
});

it('unknown product → 404, whether or not the id looks like one; the cart is unchanged', async ({ auth, cart }) => {
  const user = await auth.newUser();
  for (const productId of ['00000000-0000-4000-8000-000000000000', 'no-such-product']) {
    const answer = await callJson(cart.url, 'PUT', `/items/${productId}`, { token: user.accessToken, body: { quantity: 1 } });
    assert.is(answer.status, 404, productId);
    assert.is(answer.body.error.code, 'not_found');
  }
  assert.equal((await callJson(cart.url, 'GET', '/', { token: user.accessToken })).body, { items: [], total: 0 });
});

it('more than the stock → 409 insufficient_stock on field quantity; the line keeps its quantity', async ({ auth, products, adminToken, cart }) => {
  const user = await auth.newUser();
  const rare = await products.createProduct(adminToken, { stock: 2 });
  await callJson(cart.url, 'PUT', `/items/${rare.id}`, { token: user.accessToken, body: { quantity: 2 } });
  const over = await callJson(cart.url, 'PUT', `/items/${rare.id}`, { token: user.accessToken, body: { quantity: 3 } });
  assert.is(over.status, 409);
  assert.is(over.body.error.code, 'insufficient_stock');
  assert.is(over.body.error.field, 'quantity');
  assert.match(over.body.error.message, /only 2/);
  assert.is((await callJson(cart.url, 'GET', '/', { token: user.accessToken })).body.items[0].quantity, 2);
});

it('a product that left the catalogue can still be removed (quantity 0 needs no look-up)', async ({ auth, cart }) => {
  const user = await auth.newUser();
  const removed = await callJson(cart.url, 'PUT', '/items/no-such-product', { token: user.accessToken, body: { quantity: 0 } });
  assert.equal([removed.status, removed.body], [200, { items: [], total: 0 }]);
});

it('bad input → 400 naming the field; an oversized body → 413; nothing is stored', async ({ auth, products, adminToken, cart }) => {
  const user = await auth.newUser();
  const product = await products.createProduct(adminToken);
  const cases: [unknown, string][] = [
    [{ quantity: '2' }, 'quantity'],
    [{ quantity: 1.5 }, 'quantity'],
    [{ quantity: -1 }, 'quantity'],
    [{ quantity: 1_001 }, 'quantity'],
    [{}, 'quantity'],
    [{ quantity: 1, colour: 'red' }, 'colour'],
  ];
  for (const [body, field] of cases) {
    const answer = await callJson(cart.url, 'PUT', `/items/${product.id}`, { token: user.accessToken, body });
    assert.is(answer.status, 400, JSON.stringify(body));
    assert.is(answer.body.error.code, 'validation_failed');
    assert.is(answer.body.error.field, field, JSON.stringify(body));
  }
  const badId = await callJson(cart.url, 'PUT', '/items/not%20an%20id', { token: user.accessToken, body: { quantity: 1 } });
  assert.is(badId.status, 400);
  assert.is(badId.body.error.field, 'productId');
  const notJson = await callJson(cart.url, 'PUT', `/items/${product.id}`, { token: user.accessToken, raw: '{"quantity":' });
  assert.is(notJson.status, 400);
  const huge = await callJson(cart.url, 'PUT', `/items/${product.id}`, {
    token: user.accessToken,
    body: { quantity: 1, padding: 'x'.repeat(70_000) },
  });
  assert.is(huge.status, 413);
  assert.equal((await callJson(cart.url, 'GET', '/', { token: user.accessToken })).body, { items: [], total: 0 });
});

it('no token or a forged one → 401 on every route, before any validation', async ({ cart }) => {
  const forged = 'eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
  for (const token of [undefined, forged]) {
    for (const [method, path, body] of [
      ['GET', '/', undefined],
      ['PUT', '/items/anything', { quantity: 'not even valid' }],
      ['DELETE', '/', undefined],
    ] as const) {
      const answer = await callJson(cart.url, method, path, { ...(token ? { token } : {}), body });
      assert.is(answer.status, 401, `${method} ${path} ${token ? 'forged' : 'no token'}`);
    }
  }
});

it('DELETE / → 204 and the cart is empty', async ({ auth, products, adminToken, cart }) => {
  const user = await auth.newUser();
  const product = await products.createProduct(adminToken);
  await callJson(cart.url, 'PUT', `/items/${product.id}`, { token: user.accessToken, body: { quantity: 1 } });
  const cleared = await callJson(cart.url, 'DELETE', '/', { token: user.accessToken });
  assert.is(cleared.status, 204);
  assert.equal((await callJson(cart.url, 'GET', '/', { token: user.accessToken })).body, { items: [], total: 0 });
});

it("POST /internal/carts/:userId/removals takes an order's quantities out once; lines added meanwhile stay; a retry changes nothing", async ({ auth, products, adminToken, cart }) => {
  const user = await auth.newUser();
  const [pen, book, mug] = await Promise.all([1, 2, 3].map(() => products.createProduct(adminToken, { stock: 50 })));
  const put = (productId: string, quantity: number) =>
    callJson(cart.url, 'PUT', `/items/${productId}`, { token: user.accessToken, body: { quantity } });
  await put(pen!.id, 2);
  await put(book!.id, 1);
  // The order was placed for 2 pens and 1 book; meanwhile the user added a mug and 3 more pens.
  await put(mug!.id, 1);
  await put(pen!.id, 5);
  const removal = { orderId: 'order-1', items: [{ productId: pen!.id, quantity: 2 }, { productId: book!.id, quantity: 1 }] };
  const path = `/internal/carts/${user.id}/removals`;
  const left = async () =>
    Object.fromEntries(
      ((await callJson(cart.url, 'GET', '/', { token: user.accessToken })).body.items as { productId: string; quantity: number }[]).map(
        (item) => [item.productId, item.quantity],
      ),
    );
  const removed = await callJson(cart.url, 'POST', path, { body: removal });
  assert.equal([removed.status, removed.body], [200, { applied: true }]);
  assert.equal(await left(), { [pen!.id]: 3, [mug!.id]: 1 });
  const retried = await callJson(cart.url, 'POST', path, { body: removal });
  assert.equal([retried.status, retried.body], [200, { applied: false }]);
  assert.equal(await left(), { [pen!.id]: 3, [mug!.id]: 1 });
});

it('POST /internal/carts/:userId/removals: bad input → 400 naming the field, the cart unchanged', async ({ auth, products, adminToken, cart }) => {
  const user = await auth.newUser();
  const pen = await products.createProduct(adminToken);
  await callJson(cart.url, 'PUT', `/items/${pen.id}`, { token: user.accessToken, body: { quantity: 2 } });
  const path = `/internal/carts/${user.id}/removals`;
  const cases: Array<[string, unknown, string]> = [
    [path, { items: [{ productId: pen.id, quantity: 1 }] }, 'orderId'],
    [path, { orderId: 'o', items: [] }, 'items'],
    [path, { orderId: 'o', items: [{ productId: pen.id, quantity: 0 }] }, 'items.0.quantity'],
    [path, { orderId: 'o', items: [{ productId: 'a.b', quantity: 1 }] }, 'items.0.productId'],
    [path, { orderId: 'o', items: [{ productId: pen.id, quantity: 1 }], extra: 1 }, 'extra'],
    ['/internal/carts/a.b/removals', { orderId: 'o', items: [{ productId: pen.id, quantity: 1 }] }, 'userId'],
  ];
  for (const [at, body, field] of cases) {
    const answer = await callJson(cart.url, 'POST', at, { body });
    assert.equal([answer.status, answer.body.error.field], [400, field]);
  }
  assert.is((await callJson(cart.url, 'GET', '/', { token: user.accessToken })).body.items[0].quantity, 2);
});

async function withProxiedCart<T>(
  context: Context,
  run: (cart: RunningCartService, proxies: { redis: TcpProxy; products: TcpProxy }) => Promise<T>,
): Promise<T> {
  const redis = await startTcpProxy(redisUrl!);
  const products = await startTcpProxy(context.products.url);
  const cart = await startCartService({
    REDIS_URL: redis.via(redisUrl!),
    AUTH_JWKS_URL: context.auth.jwksUrl,
    PRODUCT_SERVICE_URL: products.via(context.products.url),
  });
  try {
    return await run(cart, { redis, products });
  } finally {
    await cart.close();
    await redis.close();
    await products.close();
  }
}

it('Redis down → /readyz 503 naming redis and requests 503; back up → both recover', async (context) => {
  const user = await context.auth.newUser();
  await withProxiedCart(context, async (cart, { redis }) => {
    assert.is((await callJson(cart.url, 'GET', '/readyz')).status, 200);
    await redis.cut();
    const notReady = await callJson(cart.url, 'GET', '/readyz');
    assert.is(notReady.status, 503);
    assert.equal(notReady.body, { status: 'down', checks: { redis: 'down' } });
    const during = await callJson(cart.url, 'GET', '/', { token: user.accessToken });
    assert.is(during.status, 503);
    assert.is(during.body.error.code, 'dependency_unavailable');
    await redis.restore();
    await eventually(async () => assert.is((await callJson(cart.url, 'GET', '/readyz')).status, 200), { timeoutMs: 10_000 });
    assert.is((await callJson(cart.url, 'GET', '/', { token: user.accessToken })).status, 200);
  });
});

it('product-service down → cart stays ready (a peer is not its store), adding a product 503 (never a 500); back up → recovers', async (context) => {
  const user = await context.auth.newUser();
  const product = await context.products.createProduct(context.adminToken);
  await withProxiedCart(context, async (cart, { products }) => {
    await products.cut();
    assert.is((await callJson(cart.url, 'GET', '/readyz')).status, 200);
    const during = await callJson(cart.url, 'PUT', `/items/${product.id}`, { token: user.accessToken, body: { quantity: 1 } });
    assert.is(during.status, 503);
    await products.restore();
    const after = await callJson(cart.url, 'PUT', `/items/${product.id}`, { token: user.accessToken, body: { quantity: 1 } });
    assert.is(after.status, 200);
  });
});

cart.run();
