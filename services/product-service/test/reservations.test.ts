// Stock reservations (the internal API order-service calls) against real PostgreSQL and Kafka,
// with two product-service replicas over one database: concurrent orders never oversell, all
// lines of an order or none, idempotent by order id, every stock change announced with its stock.
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { server } from '@shopmesh/testkit';
import { startAuthService, type RunningAuthService } from '@shopmesh/auth-service/testing';
import { TOPICS } from '@shopmesh/service-kit/kafka';
import { callJson, collectEvents, uniqueSuffix, type EventCollector, type TestDatabase } from '@shopmesh/service-kit/testing';
import { createProductDatabase, startProductApp, type RunningProductApp } from './harness.ts';

const postgresUrl = server('POSTGRES_URL');
const kafkaBrokers = server('KAFKA_BROKERS');

interface Context {
  auth: RunningAuthService;
  database: TestDatabase;
  replicas: RunningProductApp[];
  admin: string;
  events: EventCollector;
}
const reservations = suite<Context>('product-service stock reservations', {} as Context);
const it = postgresUrl && kafkaBrokers ? reservations : reservations.skip;

reservations.before(async (context) => {
  if (!postgresUrl || !kafkaBrokers) return;
  context.auth = await startAuthService(postgresUrl);
  context.database = await createProductDatabase(postgresUrl);
  const env = { DATABASE_URL: context.database.url, KAFKA_BROKERS: kafkaBrokers, AUTH_JWKS_URL: context.auth.jwksUrl };
  context.replicas = [await startProductApp(env), await startProductApp(env)];
  context.admin = await context.auth.adminToken();
  context.events = await collectEvents(kafkaBrokers, TOPICS.productEvents);
});
reservations.after(async (context) => {
  await context.events?.close();
  await Promise.all((context.replicas ?? []).map((replica) => replica.app.close()));
  await context.database?.drop();
  await context.auth?.close();
});

async function newProduct(c: Context, stock: number): Promise<string> {
  const answer = await callJson(c.replicas[0]!.url, 'POST', '/', {
    token: c.admin,
    body: { name: `Lamp ${uniqueSuffix()}`, description: '', price: 1_000, category: 'test', stock },
  });
  assert.is(answer.status, 201);
  return answer.body.id as string;
}

const reserve = (url: string, orderId: string, items: unknown) =>
  callJson(url, 'PUT', `/internal/reservations/${orderId}`, { body: { items } });
const release = (url: string, orderId: string) => callJson(url, 'DELETE', `/internal/reservations/${orderId}`);

async function query<T>(c: Context, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: c.database.url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}
const stockOf = async (c: Context, id: string) => (await query<{ stock: number }>(c, 'select stock from products where id = $1', [id]))[0]!.stock;
const reservedOf = async (c: Context, id: string) =>
  Number(
    (
      await query<{ n: string }>(
        c,
        `select coalesce(sum(l.quantity), 0) as n from stock_reservation_lines l join stock_reservations r using (order_id)
         where l.product_id = $1 and r.status = 'reserved'`,
        [id],
      )
    )[0]!.n,
  );

it('30 concurrent orders of 1 on stock 7, over two replicas: exactly 7 reserved, stock 0, the rest 409 naming the line', async (c) => {
  const product = await newProduct(c, 7);
  const answers = await Promise.all(
    Array.from({ length: 30 }, (_, i) => reserve(c.replicas[i % 2]!.url, randomUUID(), [{ productId: product, quantity: 1 }])),
  );
  const statuses = answers.map((answer) => answer.status);
  assert.is(statuses.filter((status) => status === 201).length, 7, statuses.join(' '));
  for (const refused of answers.filter((answer) => answer.status !== 201)) {
    assert.equal([refused.status, refused.body.error.code, refused.body.error.field], [409, 'insufficient_stock', 'items.0.quantity']);
  }
  assert.is(await stockOf(c, product), 0);
  assert.is(await reservedOf(c, product), 7, 'every unit taken is held by a reservation');
});

it('concurrent orders of 2 and 3 on stock 10: never below zero, stock + reserved = 10', async (c) => {
  const product = await newProduct(c, 10);
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, i) => reserve(c.replicas[i % 2]!.url, randomUUID(), [{ productId: product, quantity: 2 + (i % 2) }])),
  );
  const stock = await stockOf(c, product);
  assert.ok(stock >= 0 && stock < 2, `stock ${stock}: no order of 2 could have fitted any more`);
  assert.is(stock + (await reservedOf(c, product)), 10);
  assert.ok(answers.some((answer) => answer.status === 409));
});

it('all lines or none: a line that does not fit leaves the others untouched and no reservation', async (c) => {
  const [plenty, scarce] = [await newProduct(c, 10), await newProduct(c, 3)];
  const orderId = randomUUID();
  const refused = await reserve(c.replicas[0]!.url, orderId, [
    { productId: plenty, quantity: 2 },
    { productId: scarce, quantity: 5 },
  ]);
  assert.equal([refused.status, refused.body.error.code, refused.body.error.field], [409, 'insufficient_stock', 'items.1.quantity']);
  assert.equal([await stockOf(c, plenty), await stockOf(c, scarce)], [10, 3]);
  assert.equal(await query(c, 'select * from stock_reservations where order_id = $1', [orderId]), []);
  // The same order may try again once it fits.
  const fitting = await reserve(c.replicas[0]!.url, orderId, [{ productId: scarce, quantity: 3 }]);
  assert.is(fitting.status, 201);
});

it('idempotent by order id: concurrent duplicates reserve once; release twice gives back once; no reservation after a release', async (c) => {
  const product = await newProduct(c, 10);
  const orderId = randomUUID();
  const items = [{ productId: product, quantity: 4 }];
  const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => reserve(c.replicas[i % 2]!.url, orderId, items)));
  assert.equal(answers.map((answer) => answer.status).sort(), [200, 200, 200, 200, 200, 201]);
  for (const answer of answers) assert.equal(answer.body, { orderId, status: 'reserved', items });
  assert.is(await stockOf(c, product), 6);
  const other = await reserve(c.replicas[0]!.url, orderId, [{ productId: product, quantity: 5 }]);
  assert.equal([other.status, other.body.error.code], [409, 'reservation_mismatch']);

  const releases = await Promise.all([release(c.replicas[0]!.url, orderId), release(c.replicas[1]!.url, orderId)]);
  for (const answer of releases) assert.equal([answer.status, answer.body], [200, { orderId, status: 'released', items }]);
  assert.is(await stockOf(c, product), 10);
  const late = await reserve(c.replicas[1]!.url, orderId, items);
  assert.equal([late.status, late.body.error.code], [409, 'reservation_released']);
  assert.is(await stockOf(c, product), 10);
});

it('a release that arrives before its reservation forbids it', async (c) => {
  const product = await newProduct(c, 5);
  const orderId = randomUUID();
  assert.equal((await release(c.replicas[0]!.url, orderId)).body, { orderId, status: 'released', items: [] });
  const late = await reserve(c.replicas[0]!.url, orderId, [{ productId: product, quantity: 1 }]);
  assert.equal([late.status, late.body.error.code], [409, 'reservation_released']);
  assert.is(await stockOf(c, product), 5);
});

it('each reservation and release publishes product.updated with the new stock; GET shows it', async (c) => {
  const product = await newProduct(c, 9);
  const orderId = randomUUID();
  await reserve(c.replicas[0]!.url, orderId, [{ productId: product, quantity: 4 }]);
  assert.is((await callJson(c.replicas[1]!.url, 'GET', `/${product}`)).body.stock, 5);
  await release(c.replicas[0]!.url, orderId);
  const updates = await c.events.waitFor((event) => event.type === 'product.updated' && (event.product as { id: string }).id === product, 2);
  // Each replica's outbox relay publishes what it claims, so the two events may arrive in either
  // order; their time (occurredAt, the consumers' version) orders them: the release is the later.
  const byTime = [...updates].sort((a, b) => Date.parse(String(a.occurredAt)) - Date.parse(String(b.occurredAt)));
  assert.equal(byTime.map((event) => (event.product as { stock: number }).stock), [5, 9]);
  assert.ok(Date.parse(String(byTime[1]?.occurredAt)) > Date.parse(String(byTime[0]?.occurredAt)), 'the later change has the later time');
});

it('a product withdrawn from sale cannot be reserved (409 on its line); stock an order held before comes back on release', async (c) => {
  const product = await newProduct(c, 6);
  const earlier = randomUUID();
  assert.is((await reserve(c.replicas[0]!.url, earlier, [{ productId: product, quantity: 2 }])).status, 201);
  const withdrawn = await callJson(c.replicas[0]!.url, 'PATCH', `/${product}`, { token: c.admin, body: { active: false } });
  assert.is(withdrawn.status, 200);
  const refused = await reserve(c.replicas[1]!.url, randomUUID(), [{ productId: product, quantity: 1 }]);
  assert.equal([refused.status, refused.body.error.code, refused.body.error.field], [409, 'product_unavailable', 'items.0.productId']);
  assert.is(await stockOf(c, product), 4);
  assert.is((await release(c.replicas[1]!.url, earlier)).status, 200);
  assert.is(await stockOf(c, product), 6);
  const [update] = await c.events.waitFor(
    (event) => event.type === 'product.updated' && (event.product as { id: string; stock: number }).id === product && (event.product as { stock: number }).stock === 6,
  );
  assert.is((update!.product as { active?: boolean }).active, false, 'the stock event carries the product as it is');
});

it('bad requests: 400 naming the field; an unknown product is 409 on its line; nothing reserved', async (c) => {
  const product = await newProduct(c, 5);
  const url = c.replicas[0]!.url;
  const cases: Array<[string, unknown, string]> = [
    ['not-a-uuid', [{ productId: product, quantity: 1 }], 'orderId'],
    [randomUUID(), [], 'items'],
    [randomUUID(), [{ productId: product, quantity: 0 }], 'items.0.quantity'],
    [randomUUID(), [{ productId: 'x', quantity: 1 }], 'items.0.productId'],
    [randomUUID(), [{ productId: product, quantity: 1, price: 3 }], 'items.0.price'],
    [randomUUID(), [{ productId: product, quantity: 1 }, { productId: product, quantity: 2 }], 'items.1.productId'],
  ];
  for (const [orderId, items, field] of cases) {
    const answer = await reserve(url, orderId, items);
    assert.equal([answer.status, answer.body.error.field], [400, field], JSON.stringify(items));
  }
  const unknown = await reserve(url, randomUUID(), [{ productId: product, quantity: 1 }, { productId: randomUUID(), quantity: 1 }]);
  assert.equal([unknown.status, unknown.body.error.code], [409, 'product_unavailable']);
  assert.match(unknown.body.error.field, /^items\.[01]\.productId$/);
  assert.is(await stockOf(c, product), 5);
  assert.is((await release(url, 'nope')).body.error.field, 'orderId');
});

reservations.run();
