// review-service against real PostgreSQL and Kafka, a real auth-service and a real product-service.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { server } from '@shopmesh/testkit';
import type { App } from '@shopmesh/service-kit';
import { applyMigrations } from '@shopmesh/service-kit/db';
import { TOPICS } from '@shopmesh/service-kit/kafka';
import {
  callJson,
  collectEvents,
  createTestDatabase,
  listenOnFreePort,
  startTcpProxy,
  type EventCollector,
  type TestDatabase,
} from '@shopmesh/service-kit/testing';
import { startAuthService, type RunningAuthService } from '@shopmesh/auth-service/testing';
import { startProductService, type RunningProductService } from '@shopmesh/product-service/testing';
import { buildApp } from '../src/app.ts';

const postgresUrl = server('POSTGRES_URL');
const kafkaBrokers = server('KAFKA_BROKERS');
const serversUp = Boolean(postgresUrl && kafkaBrokers);
const migrationsFolder = new URL('../drizzle/', import.meta.url).pathname;

interface Context {
  auth: RunningAuthService;
  products: RunningProductService;
  adminToken: string;
  database: TestDatabase;
  app: App;
  url: string;
  events: EventCollector;
}
const reviews = suite<Context>('review-service', {} as Context);
const it = serversUp ? reviews : reviews.skip;

const startReviewService = async (context: Context, databaseUrl: string) => {
  const { app } = await buildApp({
    env: {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafkaBrokers,
      AUTH_JWKS_URL: context.auth.jwksUrl,
      PRODUCT_SERVICE_URL: context.products.url,
      LOG_LEVEL: 'warn',
    },
  });
  return { app, url: await listenOnFreePort(app) };
};

reviews.before(async (context) => {
  if (!serversUp) return;
  context.auth = await startAuthService(postgresUrl!);
  context.adminToken = await context.auth.adminToken();
  context.products = await startProductService(postgresUrl!, { jwksUrl: context.auth.jwksUrl, kafkaBrokers: kafkaBrokers! });
  context.database = await createTestDatabase(postgresUrl!, 'review_test');
  await applyMigrations({ url: context.database.url, migrationsFolder });
  Object.assign(context, await startReviewService(context, context.database.url));
  context.events = await collectEvents(kafkaBrokers!, TOPICS.reviewEvents);
});
reviews.after(async (context) => {
  await context.events?.close();
  await context.app?.close();
  await context.database?.drop();
  await context.products?.close();
  await context.auth?.close();
});

it('POST → 201 the review; GET ?productId lists it; review.created reaches Kafka with productId and rating', async (context) => {
  const { auth, products, adminToken, url, events } = context;
  const user = await auth.newUser();
  const product = await products.createProduct(adminToken);
  const posted = await callJson(url, 'POST', '/', {
    token: user.accessToken,
    body: { productId: product.id, rating: 4, comment: 'solid' },
  });
  assert.is(posted.status, 201);
  assert.equal(
    { ...posted.body, id: undefined, createdAt: undefined },
    { id: undefined, productId: product.id, userId: user.id, rating: 4, comment: 'solid', createdAt: undefined },
  );
  const listed = await callJson(url, 'GET', `/?productId=${product.id}`);
  assert.equal([listed.status, listed.body], [200, { items: [posted.body] }]);

  const [event] = await events.waitFor((candidate) => candidate.reviewId === posted.body.id);
  assert.is(event!.type, 'review.created');
  assert.is(event!.productId, product.id);
  assert.is(event!.rating, 4);
  assert.is(event!.userId, user.id);
  assert.type(event!.id, 'string');
});

it('a second review of the same product by the same user → 409 on productId; another user → 201', async ({ auth, products, adminToken, url }) => {
  const [alice, bob] = await Promise.all([auth.newUser(), auth.newUser()]);
  const product = await products.createProduct(adminToken);
  const body = { productId: product.id, rating: 5, comment: 'great' };
  assert.is((await callJson(url, 'POST', '/', { token: alice.accessToken, body })).status, 201);
  const again = await callJson(url, 'POST', '/', { token: alice.accessToken, body: { ...body, rating: 1 } });
  assert.is(again.status, 409);
  assert.is(again.body.error.code, 'already_reviewed');
  assert.is(again.body.error.field, 'productId');
  assert.is((await callJson(url, 'POST', '/', { token: bob.accessToken, body })).status, 201);
  const listed = await callJson(url, 'GET', `/?productId=${product.id}`);
  assert.equal(listed.body.items.map((review: { rating: number }) => review.rating), [5, 5]);
});

it('two identical reviews sent at once: one 201, one 409, one row (the unique constraint decides)', async ({ auth, products, adminToken, url, events }) => {
  const user = await auth.newUser();
  const product = await products.createProduct(adminToken);
  const body = { productId: product.id, rating: 3, comment: 'twice' };
  const answers = await Promise.all([1, 2, 3].map(() => callJson(url, 'POST', '/', { token: user.accessToken, body })));
  assert.equal(answers.map((answer) => answer.status).sort(), [201, 409, 409]);
  assert.is((await callJson(url, 'GET', `/?productId=${product.id}`)).body.items.length, 1);
  // A barrier: another user's review of the product. Its event has the same key (the product), so
  // it comes after anything the three requests published; once it is in, nothing of theirs is left.
  const other = await auth.newUser();
  assert.is((await callJson(url, 'POST', '/', { token: other.accessToken, body })).status, 201);
  await events.waitFor((event) => event.productId === product.id && event.userId === other.id);
  assert.equal(
    events.events.filter((event) => event.productId === product.id).map((event) => event.userId),
    [user.id, other.id],
    'one event for the one review, then the barrier\'s',
  );
});

it('unknown product → 404 (a well-formed id or not); nothing stored', async ({ auth, url }) => {
  const user = await auth.newUser();
  for (const productId of ['00000000-0000-4000-8000-000000000000', 'not-a-product']) {
    const answer = await callJson(url, 'POST', '/', { token: user.accessToken, body: { productId, rating: 3, comment: '' } });
    assert.is(answer.status, 404, productId);
    assert.is((await callJson(url, 'GET', `/?productId=${productId}`)).body.items.length, 0);
  }
});

it('bad input → 400 naming the field (never a 500); an oversized body → 413', async ({ auth, products, adminToken, url }) => {
  const user = await auth.newUser();
  const product = await products.createProduct(adminToken);
  const valid = { productId: product.id, rating: 4, comment: 'ok' };
  const cases: [unknown, string][] = [
    [{ ...valid, rating: 0 }, 'rating'],
    [{ ...valid, rating: 6 }, 'rating'],
    [{ ...valid, rating: 3.5 }, 'rating'],
    [{ ...valid, rating: '5' }, 'rating'],
    [{ productId: product.id, rating: 4 }, 'comment'],
    [{ rating: 4, comment: 'x' }, 'productId'],
    [{ ...valid, comment: 'x'.repeat(2_001) }, 'comment'],
    [{ ...valid, productId: 'has spaces' }, 'productId'],
    [{ ...valid, stars: 5 }, 'stars'],
  ];
  for (const [body, field] of cases) {
    const answer = await callJson(url, 'POST', '/', { token: user.accessToken, body });
    assert.is(answer.status, 400, JSON.stringify(body).slice(0, 80));
    assert.is(answer.body.error.field, field, JSON.stringify(body).slice(0, 80));
  }
  const huge = await callJson(url, 'POST', '/', { token: user.accessToken, body: { ...valid, comment: 'x'.repeat(70_000) } });
  assert.is(huge.status, 413);
  const badQuery = await callJson(url, 'GET', '/?limit=0');
  assert.is(badQuery.status, 400);
  assert.is(badQuery.body.error.field, 'limit');
  assert.is((await callJson(url, 'GET', `/?productId=${product.id}`)).body.items.length, 0);
});

it('POST without a token or with a forged one → 401, before validation; GET needs none', async ({ url }) => {
  const forged = 'eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
  for (const token of [undefined, forged]) {
    const answer = await callJson(url, 'POST', '/', { ...(token ? { token } : {}), body: { rating: 'bad' } });
    assert.is(answer.status, 401);
  }
  assert.is((await callJson(url, 'GET', '/')).status, 200);
});

it('GET / without productId: newest first across products, bounded by limit', async ({ auth, products, adminToken, url }) => {
  const user = await auth.newUser();
  const [first, second] = [await products.createProduct(adminToken), await products.createProduct(adminToken)];
  for (const product of [first, second]) {
    await callJson(url, 'POST', '/', { token: user.accessToken, body: { productId: product.id, rating: 2, comment: '' } });
  }
  const latest = await callJson(url, 'GET', '/?limit=2');
  assert.equal(latest.body.items.map((review: { productId: string }) => review.productId), [second.id, first.id]);
});

it('GET / pages by cursor: every review once, newest first, even several created in the same microsecond; a bad cursor is a 400 naming it', async ({ auth, products, adminToken, url, database }) => {
  const user = await auth.newUser();
  const product = await products.createProduct(adminToken);
  for (let i = 0; i < 3; i++) {
    const other = await products.createProduct(adminToken);
    await callJson(url, 'POST', '/', { token: user.accessToken, body: { productId: other.id, rating: 3, comment: `${i}` } });
  }
  // Reviews of one product stamped with one instant: only the id orders them.
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(
      `insert into reviews (product_id, user_id, rating, comment, created_at)
       select $1, 'tied-' || n, 4, 'tie', '2030-01-01T00:00:00.123456Z' from generate_series(1, 5) as n`,
      [product.id],
    );
  } finally {
    await client.end();
  }
  const everything = (await callJson(url, 'GET', '/?limit=200')).body.items.map((review: { id: string }) => review.id);
  const paged: string[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await callJson(url, 'GET', `/?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.is(page.status, 200);
    sizes.push(page.body.items.length);
    paged.push(...page.body.items.map((review: { id: string }) => review.id));
    cursor = page.body.nextCursor;
  } while (cursor);
  assert.equal(paged, everything, 'the pages put together are the whole list, in its order');
  assert.is(new Set(paged).size, paged.length, 'no review twice');
  assert.ok(sizes.slice(0, -1).every((size) => size === 2));
  const byProduct = await callJson(url, 'GET', `/?productId=${product.id}&limit=3`);
  const rest = await callJson(url, 'GET', `/?productId=${product.id}&limit=3&cursor=${byProduct.body.nextCursor}`);
  assert.equal([byProduct.body.items.length, rest.body.items.length, rest.body.nextCursor], [3, 2, undefined]);
  for (const bad of ['x', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["2030-01-01", "not-a-uuid"]').toString('base64url')]) {
    const answer = await callJson(url, 'GET', `/?cursor=${bad}`);
    assert.equal([answer.status, answer.body.error.field], [400, 'cursor'], bad);
  }
});

it('a product withdrawn from sale cannot be reviewed: 404', async ({ auth, products, adminToken, url }) => {
  const user = await auth.newUser();
  const product = await products.createProduct(adminToken);
  await products.updateProduct(adminToken, product.id, { active: false });
  const answer = await callJson(url, 'POST', '/', { token: user.accessToken, body: { productId: product.id, rating: 5, comment: '' } });
  assert.equal([answer.status, answer.body.error.code], [404, 'not_found']);
});

it('PostgreSQL down → /readyz 503 and POST 503; back up → both recover', async (context) => {
  const proxy = await startTcpProxy(context.database.url);
  const proxied = await startReviewService(context, proxy.via(context.database.url));
  try {
    const user = await context.auth.newUser();
    const product = await context.products.createProduct(context.adminToken);
    const body = { productId: product.id, rating: 5, comment: 'after the outage' };
    await proxy.cut();
    const notReady = await callJson(proxied.url, 'GET', '/readyz');
    assert.is(notReady.status, 503);
    assert.equal(notReady.body, { status: 'down', checks: { postgres: 'down' } });
    assert.is((await callJson(proxied.url, 'POST', '/', { token: user.accessToken, body })).status, 503);
    await proxy.restore();
    assert.is((await callJson(proxied.url, 'GET', '/readyz')).status, 200);
    assert.is((await callJson(proxied.url, 'POST', '/', { token: user.accessToken, body })).status, 201);
  } finally {
    await proxied.app.close();
    await proxy.close();
  }
});

reviews.run();
