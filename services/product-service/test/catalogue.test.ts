// product-service v1 against real PostgreSQL and Kafka, with a real auth-service for tokens.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { startAuthService, type RunningAuthService } from '@shopmesh/auth-service/testing';
import { TOPICS } from '@shopmesh/service-kit/kafka';
import {
  callJson,
  collectEvents,
  uniqueSuffix,
  type EventCollector,
  type Json,
  type TestDatabase,
} from '@shopmesh/service-kit/testing';
import { createProductDatabase, startProductApp, type RunningProductApp } from './harness.ts';

const postgresUrl = server('POSTGRES_URL');
const kafkaBrokers = server('KAFKA_BROKERS');

interface Context {
  auth: RunningAuthService;
  database: TestDatabase;
  products: RunningProductApp;
  admin: string;
  user: string;
  events: EventCollector;
}
const catalogue = suite<Context>('product-service catalogue', {} as Context);
const it = postgresUrl && kafkaBrokers ? catalogue : catalogue.skip;

catalogue.before(async (context) => {
  if (!postgresUrl || !kafkaBrokers) return;
  context.auth = await startAuthService(postgresUrl);
  context.database = await createProductDatabase(postgresUrl);
  context.products = await startProductApp({
    DATABASE_URL: context.database.url,
    KAFKA_BROKERS: kafkaBrokers,
    AUTH_JWKS_URL: context.auth.jwksUrl,
  });
  context.admin = await context.auth.adminToken();
  context.user = (await context.auth.newUser()).accessToken;
  context.events = await collectEvents(kafkaBrokers, TOPICS.productEvents);
});
catalogue.after(async (context) => {
  await context.events?.close();
  await context.products?.app.close();
  await context.database?.drop();
  await context.auth?.close();
});

const sample = (overrides: Record<string, unknown> = {}) => ({
  name: `Mug ${uniqueSuffix()}`,
  description: 'A mug',
  price: 1250,
  category: 'kitchen',
  stock: 10,
  ...overrides,
});

it('an admin creates a product (201); a user gets 403; no token 401; a bad token 401', async (c) => {
  const created = await callJson(c.products.url, 'POST', '/', { token: c.admin, body: sample() });
  assert.is(created.status, 201);
  assert.equal(Object.keys(created.body).sort(), ['active', 'category', 'description', 'id', 'name', 'price', 'stock']);
  const asUser = await callJson(c.products.url, 'POST', '/', { token: c.user, body: sample() });
  assert.equal([asUser.status, asUser.body.error.code], [403, 'forbidden']);
  assert.is((await callJson(c.products.url, 'POST', '/', { body: sample() })).status, 401);
  assert.is((await callJson(c.products.url, 'POST', '/', { token: `${c.admin}x`, body: sample() })).status, 401);
  const patchAsUser = await callJson(c.products.url, 'PATCH', `/${created.body.id}`, { token: c.user, body: { price: 1 } });
  assert.is(patchAsUser.status, 403);
});

it('authentication comes before validation: a bad body without a token is 401, with a user token 403', async (c) => {
  const badBody = { price: 'free', colour: 'red' };
  for (const [method, path] of [['POST', '/'], ['PATCH', '/00000000-0000-4000-8000-000000000000']] as const) {
    const anonymous = await callJson(c.products.url, method, path, { body: badBody });
    assert.equal([anonymous.status, anonymous.body.error.code], [401, 'unauthorized'], `${method} ${path}`);
    const asUser = await callJson(c.products.url, method, path, { token: c.user, body: badBody });
    assert.equal([asUser.status, asUser.body.error.code], [403, 'forbidden'], `${method} ${path}`);
    const malformed = await callJson(c.products.url, method, path, { raw: '{"price": ' });
    assert.is(malformed.status, 401, `${method} ${path} with malformed JSON`);
  }
  const asAdmin = await callJson(c.products.url, 'POST', '/', { token: c.admin, body: badBody });
  assert.is(asAdmin.status, 400, 'an admin gets the validation error');
});

it('GET /:id answers the product; an unknown id 404; a malformed id 400 naming it', async (c) => {
  const created = (await callJson(c.products.url, 'POST', '/', { token: c.admin, body: sample({ name: 'Teapot' }) })).body;
  const read = await callJson(c.products.url, 'GET', `/${created.id}`);
  assert.equal(read, { status: 200, body: created, headers: read.headers });
  const missing = await callJson(c.products.url, 'GET', '/00000000-0000-4000-8000-000000000000');
  assert.equal([missing.status, missing.body.error.code], [404, 'not_found']);
  const malformed = await callJson(c.products.url, 'GET', '/not-a-uuid');
  assert.equal([malformed.status, malformed.body.error.field], [400, 'id']);
});

it('the catalogue pages and filters by category and price range, with the total', async (c) => {
  const category = `cat-${uniqueSuffix()}`;
  for (const price of [100, 200, 300, 400, 500]) {
    await callJson(c.products.url, 'POST', '/', { token: c.admin, body: sample({ category, price }) });
  }
  const first = await callJson(c.products.url, 'GET', `/?category=${category}&limit=2`);
  assert.is(first.status, 200);
  assert.equal([first.body.total, first.body.page, first.body.limit, first.body.items.length], [5, 1, 2, 2]);
  const third = await callJson(c.products.url, 'GET', `/?category=${category}&limit=2&page=3`);
  assert.is(third.body.items.length, 1);
  const seen = new Set([...first.body.items, ...third.body.items].map((item: Json) => item.id));
  assert.is(seen.size, 3, 'pages do not overlap');
  const range = await callJson(c.products.url, 'GET', `/?category=${category}&minPrice=200&maxPrice=400`);
  assert.equal(range.body.items.map((item: Json) => item.price).sort(), [200, 300, 400]);
  assert.is(range.body.total, 3);
  const none = await callJson(c.products.url, 'GET', `/?category=${category}-none`);
  assert.equal([none.body.total, none.body.items], [0, []]);
  const defaults = await callJson(c.products.url, 'GET', '/');
  assert.equal([defaults.body.page, defaults.body.limit], [1, 20]);
});

it('PATCH changes only the given fields; an unknown product 404', async (c) => {
  const created = (await callJson(c.products.url, 'POST', '/', { token: c.admin, body: sample({ stock: 3 }) })).body;
  const patched = await callJson(c.products.url, 'PATCH', `/${created.id}`, { token: c.admin, body: { price: 999, stock: 7 } });
  assert.equal(patched.body, { ...created, price: 999, stock: 7 });
  assert.equal((await callJson(c.products.url, 'GET', `/${created.id}`)).body, patched.body);
  const missing = await callJson(c.products.url, 'PATCH', '/00000000-0000-4000-8000-000000000000', { token: c.admin, body: { price: 1 } });
  assert.is(missing.status, 404);
});

it('creations and updates are published on product-events with an event id, type and the product', async (c) => {
  const created = (await callJson(c.products.url, 'POST', '/', { token: c.admin, body: sample() })).body;
  await callJson(c.products.url, 'PATCH', `/${created.id}`, { token: c.admin, body: { stock: 0 } });
  const events: Json[] = await c.events.waitFor((event) => (event.product as Json)?.id === created.id, 2);
  assert.equal(events.map((event: Json) => event.type), ['product.created', 'product.updated']);
  assert.equal(events[0].product, created);
  assert.equal(events[1].product, { ...created, stock: 0 });
  assert.is.not(events[0].id, events[1].id);
  assert.match(events[0].id, /^[0-9a-f-]{36}$/);
  assert.ok(Date.parse(events[1].occurredAt) >= Date.parse(events[0].occurredAt));
});

const invalid: Array<[string, string, string, unknown, string]> = [
  ['price as a string', 'POST', '/', sample({ price: '12' }), 'price'],
  ['price with cents as a fraction', 'POST', '/', sample({ price: 12.5 }), 'price'],
  ['negative stock', 'POST', '/', sample({ stock: -1 }), 'stock'],
  ['missing category', 'POST', '/', { name: 'n', description: 'd', price: 1, stock: 1 }, 'category'],
  ['oversized name', 'POST', '/', sample({ name: 'n'.repeat(201) }), 'name'],
  ['an unknown field', 'POST', '/', sample({ id: 'mine' }), 'id'],
  ['PATCH with nothing to change', 'PATCH', '/00000000-0000-4000-8000-000000000000', {}, ''],
  ['PATCH with a wrong type', 'PATCH', '/00000000-0000-4000-8000-000000000000', { stock: 'many' }, 'stock'],
];
for (const [name, method, path, body, field] of invalid) {
  it(`400 — ${name}`, async (c) => {
    const answer = await callJson(c.products.url, method, path, { token: c.admin, body });
    assert.is(answer.status, 400);
    assert.is(answer.body.error.code, 'validation_failed');
    if (field) assert.is(answer.body.error.field, field);
  });
}

const invalidQueries: Array<[string, string]> = [
  ['?page=0', 'page'],
  ['?limit=101', 'limit'],
  ['?minPrice=cheap', 'minPrice'],
  ['?maxPrice=-5', 'maxPrice'],
  ['?minPrice=99999999999', 'minPrice'],
  ['?maxPrice=99999999999', 'maxPrice'],
  ['?sort=price', 'sort'],
];
for (const [query, field] of invalidQueries) {
  it(`400 — query ${query}`, async (c) => {
    const answer = await callJson(c.products.url, 'GET', `/${query}`);
    assert.equal([answer.status, answer.body.error.field], [400, field]);
  });
}

it('a product withdrawn from sale (active: false) leaves the catalogue list but is still found by id', async (c) => {
  const category = `withdrawn-${Date.now()}`;
  const kept = await callJson(c.products.url, 'POST', '/', { token: c.admin, body: { name: 'Kept', description: '', price: 100, category, stock: 1 } });
  const gone = await callJson(c.products.url, 'POST', '/', { token: c.admin, body: { name: 'Gone', description: '', price: 100, category, stock: 1 } });
  const patched = await callJson(c.products.url, 'PATCH', `/${gone.body.id}`, { token: c.admin, body: { active: false } });
  assert.equal([patched.status, patched.body.active], [200, false]);
  const listed = await callJson(c.products.url, 'GET', `/?category=${category}`);
  assert.equal([listed.body.total, listed.body.items.map((item: Json) => item.id)], [1, [kept.body.id]]);
  assert.is((await callJson(c.products.url, 'GET', `/${gone.body.id}`)).body.active, false);
  const badFlag = await callJson(c.products.url, 'PATCH', `/${gone.body.id}`, { token: c.admin, body: { active: 'no' } });
  assert.equal([badFlag.status, badFlag.body.error.field], [400, 'active']);
});

catalogue.run();
