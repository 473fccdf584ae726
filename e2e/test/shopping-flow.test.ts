// The shop end to end, through the gateway, as customers and an admin use it. Every Deployment of
// the manifests runs as a real process (the nine services, product-service as v1 and v2) on the
// test environment's real PostgreSQL, Redis, Kafka and Elasticsearch. Stand-ins, at the network
// boundary only: Istio's ingress gateway is the inner loop's prefix router (dev/proxy.ts, routing
// as main-routing-vs does, prefix rewritten to /), and the sidecar in front of payment-service is an
// in-process switch that can shift its traffic to a second payment-service declining every charge.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '../../packages/testkit/src/index.ts';
import { apiClient, eventually, expectStatus, metricValue, type Api } from '../lib/api.ts';
import { planShop, startShop, uniquePrefix, type Shop } from '../lib/shop.ts';
import { startTrafficSwitch, type TrafficSwitch } from '../lib/traffic-switch.ts';

interface Tokens {
  accessToken: string;
  refreshToken: string;
}
interface Product {
  id: string;
  name: string;
  price: number;
  stock: number;
  category: string;
}
interface Cart {
  items: { productId: string; quantity: number; unitPrice: number }[];
  total: number;
}
interface Order {
  id: string;
  status: string;
  total: number;
  items: { productId: string; quantity: number; unitPrice: number }[];
}
interface ProductStats {
  productId: string;
  sold: number;
  revenue: number;
  ratingCount: number;
  ratingAverage: number;
}
interface Customer {
  email: string;
  password: string;
  id: string;
  token: string;
}

const servers = {
  POSTGRES_URL: server('POSTGRES_URL'),
  REDIS_URL: server('REDIS_URL'),
  KAFKA_BROKERS: server('KAFKA_BROKERS'),
  ELASTICSEARCH_URL: server('ELASTICSEARCH_URL'),
};

const flow = suite(
  'shopping flow through the gateway: all nine services as real processes on real PostgreSQL, Redis, Kafka and Elasticsearch (only the Istio gateway and the payment sidecar are local proxies)',
);

const available = Object.values(servers).every((value) => value !== undefined);
let failed = false;
/** A step of the flow: skipped (with testkit's message) when the test environment is not up; a failure keeps the logs. */
const step = (name: string, run: () => Promise<void>): void =>
  (available ? flow : flow.skip)(name, async () => {
    try {
      await run();
    } catch (error) {
      failed = true;
      throw error;
    }
  });

// Shared by the steps, which run in order and build on each other.
let shop: Shop | undefined;
let paymentSwitch: TrafficSwitch | undefined;
let api: Api;
let adminToken: string;
let alice: Customer;
const word = `zephyr${randomUUID().slice(0, 8)}`;
let lamp: Product;
let rug: Product;
let paidOrder: Order;

const running = (): Shop => {
  if (!shop) throw new Error('the shop did not start (see the first failure)');
  return shop;
};

async function newCustomer(name: string): Promise<Customer & Tokens> {
  const email = `${name.toLowerCase()}-${randomUUID().slice(0, 8)}@shop.test`;
  const password = `${name}-secret-password`;
  const { id } = expectStatus(await api<{ id: string }>('POST', '/auth/register', { body: { email, password, name } }), 201, 'register');
  const tokens = expectStatus(await api<Tokens>('POST', '/auth/login', { body: { email, password } }), 200, 'login');
  return { email, password, id, token: tokens.accessToken, ...tokens };
}

async function paymentCharges(workload: string, status: 'succeeded' | 'failed'): Promise<number> {
  const response = await fetch(`${running().url(workload)}/metrics`);
  return metricValue(await response.text(), 'payment_charges_total', { status });
}

const productStats = async (id: string): Promise<ProductStats> =>
  expectStatus(await api<ProductStats>('GET', `/stats/products/${id}`), 200, 'product stats');

flow.after(async () => {
  await shop?.stop({ keepLogs: failed });
  await paymentSwitch?.close();
});

step('every workload starts from its manifest environment, schemas applied, and becomes ready', async () => {
  const { POSTGRES_URL, REDIS_URL, KAFKA_BROKERS, ELASTICSEARCH_URL } = servers;
  if (!POSTGRES_URL || !REDIS_URL || !KAFKA_BROKERS || !ELASTICSEARCH_URL) throw new Error('unreachable: the suite is skipped');
  paymentSwitch = await startTrafficSwitch('payment-service');
  const plan = await planShop({
    servers: { POSTGRES_URL, REDIS_URL, KAFKA_BROKERS, ELASTICSEARCH_URL },
    prefix: uniquePrefix('e2e'),
    redisDb: 14,
    logLevel: 'warn',
    env: {
      'order-service': { PAYMENT_SERVICE_URL: paymentSwitch.url },
      // The flow registers and logs in more customers within a minute (all from 127.0.0.1) than the
      // manifests allow.
      'auth-service': { LOGIN_RATE_LIMIT_PER_MINUTE: '100', REGISTER_RATE_LIMIT_PER_MINUTE: '100' },
    },
    extra: [{ name: 'payment-service-declining', like: 'payment-service', env: { PAYMENT_FAILURE_RATE: '1' } }],
  });
  paymentSwitch.routeTo(plan.url('payment-service'));
  shop = await startShop(plan);
  api = apiClient(shop.gatewayUrl);
  assert.is(shop.processes.size, 11, 'nine services, product-service twice, the declining payment-service');
});

step('the gateway routes by prefix to both product-service versions, and does not expose payment-service', async () => {
  const servedBy = new Set<string | null>();
  for (let i = 0; i < 20; i++) {
    const response = await api('GET', '/products/?limit=1');
    expectStatus(response, 200, 'catalogue');
    servedBy.add(response.headers.get('x-shopmesh-upstream'));
  }
  assert.equal([...servedBy].sort(), ['product-service-v1', 'product-service-v2'], 'main-routing-vs splits /products/ between v1 and v2');
  assert.is((await api('POST', '/charges', { body: { orderId: 'x', amount: 1 } })).status, 404, 'payment-service has no public route');
  const internal = await api('PUT', `/products/internal/reservations/${randomUUID()}`, { body: { items: [] } });
  assert.equal([internal.status, internal.headers.get('x-shopmesh-upstream')], [404, null], "product-service's internal API is not routed");
  const internalCart = await api('POST', `/cart/internal/carts/${randomUUID()}/removals`, { body: {} });
  assert.equal([internalCart.status, internalCart.headers.get('x-shopmesh-upstream')], [404, null], "cart-service's internal API is not routed");
  assert.is((await api('GET', '/orders/')).status, 401, '/orders/ reaches order-service, which wants a token');
});

step('a customer registers (once), logs in and refreshes the token; the admin account exists and is an admin', async () => {
  const customer = await newCustomer('Alice');
  alice = customer;
  const refreshed = expectStatus(await api<Tokens>('POST', '/auth/refresh', { body: { refreshToken: customer.refreshToken } }), 200, 'refresh');
  const viaRefreshed = await api<{ id: string }>('GET', '/auth/me', { token: refreshed.accessToken });
  assert.is(expectStatus(viaRefreshed, 200, 'me with the refreshed token').id, alice.id);
  const again = await api('POST', '/auth/register', { body: { email: alice.email, password: alice.password, name: 'Alice' } });
  assert.is(again.status, 409, 'the same e-mail twice');
  const me = expectStatus(await api<{ id: string; role: string }>('GET', '/auth/me', { token: alice.token }), 200, 'me');
  assert.equal([me.id, me.role], [alice.id, 'user']);
  const wrong = await api('POST', '/auth/login', { body: { email: alice.email, password: 'not her password' } });
  assert.is(wrong.status, 401);

  const { admin } = running();
  adminToken = expectStatus(await api<Tokens>('POST', '/auth/login', { body: admin }), 200, 'admin login').accessToken;
  const adminMe = expectStatus(await api<{ role: string }>('GET', '/auth/me', { token: adminToken }), 200, 'admin me');
  assert.is(adminMe.role, 'admin');
});

step('the admin creates products; a customer may not; both product-service versions serve them', async () => {
  const lampInput = { name: `${word} desk lamp`, description: 'Brass, warm light', price: 4_990, category: 'lighting', stock: 10 };
  const forbidden = await api('POST', '/products/', { token: alice.token, body: lampInput });
  assert.is(forbidden.status, 403, 'a customer creating a product');
  lamp = expectStatus(await api<Product>('POST', '/products/', { token: adminToken, body: lampInput }), 201, 'create lamp');
  rug = expectStatus(
    await api<Product>('POST', '/products/', {
      token: adminToken,
      body: { name: 'Wool rug', description: 'Hand-woven', price: 12_900, category: 'home', stock: 3 },
    }),
    201,
    'create rug',
  );
  assert.equal({ name: lamp.name, price: lamp.price, stock: lamp.stock }, { name: lampInput.name, price: 4_990, stock: 10 });

  for (const version of ['product-service-v1', 'product-service-v2']) {
    const direct = apiClient(running().url(version));
    const served = expectStatus(await direct<Product>('GET', `/${lamp.id}`), 200, `${version} GET /:id`);
    assert.is(served.price, lamp.price, version);
  }
  const page = expectStatus(
    await api<{ items: Product[]; total: number }>('GET', '/products/?category=lighting&maxPrice=5000&limit=50'),
    200,
    'catalogue page',
  );
  assert.ok(page.items.some((p) => p.id === lamp.id), 'the lamp is in its category');
  assert.not.ok(page.items.some((p) => p.id === rug.id), 'the rug is not lighting');
});

step('a customer fills a cart, priced by product-service; over-stock and unknown products are refused', async () => {
  expectStatus(await api<Cart>('PUT', `/cart/items/${lamp.id}`, { token: alice.token, body: { quantity: 2 } }), 200, 'add lamps');
  const cart = expectStatus(await api<Cart>('PUT', `/cart/items/${rug.id}`, { token: alice.token, body: { quantity: 1 } }), 200, 'add rug');
  assert.is(cart.total, 2 * lamp.price + rug.price);
  assert.is(cart.items.length, 2);

  const tooMany = await api('PUT', `/cart/items/${rug.id}`, { token: alice.token, body: { quantity: 4 } });
  assert.is(tooMany.status, 409, 'more rugs than in stock');
  const unknown = await api('PUT', `/cart/items/${randomUUID()}`, { token: alice.token, body: { quantity: 1 } });
  assert.is(unknown.status, 404, 'a product that does not exist');
  const anonymous = await api('GET', '/cart/');
  assert.is(anonymous.status, 401, 'a cart without a token');
});

step('an order is paid and charged once, however often the request is retried with its Idempotency-Key', async () => {
  const headers = { 'idempotency-key': randomUUID() };
  const first = await api<Order>('POST', '/orders/', { token: alice.token, headers });
  paidOrder = expectStatus(first, 201, 'place order');
  assert.is(paidOrder.status, 'paid');
  assert.is(paidOrder.total, 2 * lamp.price + rug.price);

  // A client that timed out retries: once, then twice at the same time.
  const retries = [
    await api<Order>('POST', '/orders/', { token: alice.token, headers }),
    ...(await Promise.all([1, 2].map(() => api<Order>('POST', '/orders/', { token: alice.token, headers })))),
  ];
  for (const retry of retries) {
    const order = expectStatus(retry, 200, 'retried order');
    assert.equal([order.id, order.status, order.total], [paidOrder.id, 'paid', paidOrder.total]);
  }
  assert.is(await paymentCharges('payment-service', 'succeeded'), 1, 'payment-service charged exactly once');

  const orders = expectStatus(await api<{ items: Order[] }>('GET', '/orders/', { token: alice.token }), 200, 'my orders');
  assert.equal(orders.items.map((o) => o.id), [paidOrder.id]);
  const cart = expectStatus(await api<Cart>('GET', '/cart/', { token: alice.token }), 200, 'cart after order');
  assert.equal(cart.items, [], 'the paid cart is emptied');

  const bob = await newCustomer('Bob');
  const peek = await api('GET', `/orders/${paidOrder.id}`, { token: bob.token });
  assert.is(peek.status, 404, "another customer's order");
  const empty = await api('POST', '/orders/', { token: bob.token, headers: { 'idempotency-key': randomUUID() } });
  assert.is(empty.status, 409, 'an empty cart');
});

step('stats count the sale and the customer is notified (through Kafka)', async () => {
  const lampStats = await eventually('the lamps sold in stats', async () => {
    const stats = await productStats(lamp.id);
    return stats.sold > 0 ? { done: true, value: stats } : { done: false, seen: stats };
  });
  assert.equal([lampStats.sold, lampStats.revenue], [2, 2 * lamp.price]);
  const rugStats = await productStats(rug.id);
  assert.equal([rugStats.sold, rugStats.revenue], [1, rug.price]);

  // Other tests may sell at the same time on the shared topic: this sale is at least part of the total.
  const sales = expectStatus(await api<{ orders: number; revenue: number }>('GET', '/stats/sales', { token: adminToken }), 200, 'sales');
  assert.ok(sales.orders >= 1 && sales.revenue >= paidOrder.total, `sales ${JSON.stringify(sales)} include the order`);
  assert.is((await api('GET', '/stats/sales', { token: alice.token })).status, 403, 'sales are for admins');

  const types = await eventually("alice's order.paid notification", async () => {
    const { items } = expectStatus(
      await api<{ items: { type: string; orderId: string }[] }>('GET', '/notifications/', { token: alice.token }),
      200,
      'notifications',
    );
    const mine = items.filter((n) => n.orderId === paidOrder.id).map((n) => n.type);
    return mine.includes('order.paid') ? { done: true, value: mine } : { done: false, seen: items };
  });
  assert.ok(types.includes('order.created'), `notifications for the order: ${types.join(', ')}`);
  assert.is(types.filter((t) => t === 'order.paid').length, 1, 'one notification per event');
});

step('reviews update the product rating in stats; a second review of the same product is refused', async () => {
  const review = { productId: lamp.id, rating: 4, comment: 'Lovely light' };
  expectStatus(await api('POST', '/reviews/', { token: alice.token, body: review }), 201, 'review');
  assert.is((await api('POST', '/reviews/', { token: alice.token, body: { ...review, rating: 1 } })).status, 409);
  const carol = await newCustomer('Carol');
  expectStatus(await api('POST', '/reviews/', { token: carol.token, body: { productId: lamp.id, rating: 5, comment: '' } }), 201, 'review');

  const listed = expectStatus(await api<{ items: unknown[] }>('GET', `/reviews/?productId=${lamp.id}`), 200, 'reviews');
  assert.is(listed.items.length, 2);
  const rated = await eventually('both ratings in stats', async () => {
    const stats = await productStats(lamp.id);
    return stats.ratingCount === 2 ? { done: true, value: stats } : { done: false, seen: stats };
  });
  assert.is(rated.ratingAverage, 4.5);
  assert.is(rated.sold, 2, 'ratings do not touch sales');
});

step('search finds the product by a word of its name (indexed from product-events)', async () => {
  const found = await eventually(`search for ${word}`, async () => {
    const { items } = expectStatus(await api<{ items: { id: string; name: string; price: number; inStock: boolean }[] }>('GET', `/search/?q=${word}`), 200, 'search');
    return items.length > 0 ? { done: true, value: items } : { done: false, seen: items };
  });
  assert.equal(found, [{ id: lamp.id, name: lamp.name, price: lamp.price, inStock: true }]);
});

step('when payment-service declines, the order is payment_failed, nothing is sold, and the cart is kept', async () => {
  const dave = await newCustomer('Dave');
  expectStatus(await api('PUT', `/cart/items/${rug.id}`, { token: dave.token, body: { quantity: 1 } }), 200, 'add rug');
  paymentSwitch!.routeTo(running().url('payment-service-declining'));
  try {
    const order = expectStatus(
      await api<Order>('POST', '/orders/', { token: dave.token, headers: { 'idempotency-key': randomUUID() } }),
      201,
      'order with a declined payment',
    );
    assert.is(order.status, 'payment_failed');
    assert.is(await paymentCharges('payment-service-declining', 'failed'), 1, 'one declined charge');
  } finally {
    paymentSwitch!.routeTo(running().url('payment-service'));
  }
  const cart = expectStatus(await api<Cart>('GET', '/cart/', { token: dave.token }), 200, 'cart');
  assert.is(cart.items.length, 1, 'the cart is kept for another try');

  await eventually("dave's order.payment_failed notification", async () => {
    const { items } = expectStatus(await api<{ items: { type: string }[] }>('GET', '/notifications/', { token: dave.token }), 200, 'notifications');
    return items.some((n) => n.type === 'order.payment_failed') ? { done: true, value: items } : { done: false, seen: items };
  });
  // stats-service reads the same events in its own group, so by now it has most likely seen them too;
  // had it counted the declined order, the rug's sales would have moved.
  const rugStats = await productStats(rug.id);
  assert.equal([rugStats.sold, rugStats.revenue], [1, rug.price]);
  assert.is(await paymentCharges('payment-service', 'succeeded'), 1, 'the healthy payment-service saw no new charge');
});

step('concurrent orders on scarce stock: exactly as many succeed as there are units, stock ends at 0, every unit held by a paid order', async () => {
  const stock = 4;
  const buyers = 10;
  const vase = expectStatus(
    await api<Product>('POST', '/products/', {
      token: adminToken,
      body: { name: `Vase ${word}`, description: 'Only a few', price: 2_500, category: 'home', stock },
    }),
    201,
    'create vase',
  );
  const customers = await Promise.all(Array.from({ length: buyers }, (_, i) => newCustomer(`Buyer${i}`)));
  for (const customer of customers) {
    expectStatus(await api('PUT', `/cart/items/${vase.id}`, { token: customer.token, body: { quantity: 1 } }), 200, 'add vase');
  }
  const chargesBefore = await paymentCharges('payment-service', 'succeeded');

  const answers = await Promise.all(
    customers.map((customer) =>
      api<Order & { error?: { code: string } }>('POST', '/orders/', { token: customer.token, headers: { 'idempotency-key': randomUUID() } }),
    ),
  );
  const paid = answers.filter((answer) => answer.status === 201);
  const refused = answers.filter((answer) => answer.status !== 201);
  assert.is(paid.length, stock, `statuses ${answers.map((answer) => answer.status).join(' ')}`);
  for (const answer of paid) assert.is(answer.body.status, 'paid');
  for (const answer of refused) assert.equal([answer.status, answer.body.error?.code], [409, 'insufficient_stock']);
  assert.is(await paymentCharges('payment-service', 'succeeded'), chargesBefore + stock, 'one charge per paid order, none for the others');

  for (const version of ['product-service-v1', 'product-service-v2']) {
    const served = expectStatus(await apiClient(running().url(version))<Product>('GET', `/${vase.id}`), 200, `${version} GET /:id`);
    assert.is(served.stock, 0, `${version} shows the stock at 0`);
  }
  // In product-db: never negative, and every unit taken is held by the reservation of a paid order.
  const client = new pg.Client({ connectionString: running().workloads.find((w) => w.name === 'product-service-v1')!.env.DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      `select p.stock, r.order_id, l.quantity from products p
       left join stock_reservation_lines l on l.product_id = p.id
       left join stock_reservations r on r.order_id = l.order_id and r.status = 'reserved'
       where p.id = $1`,
      [vase.id],
    );
    assert.ok(rows.every((row: { stock: number }) => row.stock === 0));
    const held = rows.filter((row: { order_id: string | null }) => row.order_id !== null);
    assert.equal(held.map((row: { order_id: string }) => row.order_id).sort(), paid.map((answer) => answer.body.id).sort());
    assert.ok(held.every((row: { quantity: number }) => row.quantity === 1));
  } finally {
    await client.end();
  }
  // Nothing was left pending: each customer has the paid order, or none.
  for (const [i, customer] of customers.entries()) {
    const { items } = expectStatus(await api<{ items: Order[] }>('GET', '/orders/', { token: customer.token }), 200, 'orders');
    assert.equal(items.map((order) => order.status), answers[i]!.status === 201 ? ['paid'] : []);
  }
});

flow.run();
