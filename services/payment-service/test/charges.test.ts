// payment-service against the test Redis: idempotent charges that survive a restart and are
// shared by replicas, voids, injected latency and failures, input validation.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Redis } from 'ioredis';
import { server } from '@shopmesh/testkit';
import { uniqueSuffix } from '@shopmesh/service-kit/testing';
import { ChargeLedger } from '../src/charges.ts';
import { buildApp } from '../src/app.ts';

const redisUrl = server('REDIS_URL');
const test = suite('payment-service');
const it = redisUrl ? test : test.skip;

async function paymentApp(env: NodeJS.ProcessEnv = {}) {
  return (await buildApp({ env: { LOG_LEVEL: 'silent', REDIS_URL: redisUrl, PAYMENT_KEY_PREFIX: `payment-test-${uniqueSuffix()}:`, ...env } })).app;
}

type App = Awaited<ReturnType<typeof paymentApp>>;
const post = (app: App, url: string, key: string | undefined, body: unknown) =>
  app.inject({ method: 'POST', url, headers: key === undefined ? {} : { 'idempotency-key': key }, payload: body as object });
const charge = (app: App, key: string | undefined, body: unknown) => post(app, '/charges', key, body);
const newCharges = async (app: App, status = 'succeeded') => {
  const match = new RegExp(`payment_charges_total\\{status="${status}"[^}]*\\} (\\d+)`).exec((await app.inject({ url: '/metrics' })).body);
  return Number(match?.[1] ?? 0);
};

it('a charge succeeds; the same key again returns the same charge, charged once', async () => {
  const app = await paymentApp();
  const first = await charge(app, 'order-1', { orderId: 'order-1', amount: 2599 });
  assert.is(first.statusCode, 201);
  assert.is(first.headers['idempotent-replayed'], 'false');
  const body = first.json();
  assert.equal([body.orderId, body.amount, body.status], ['order-1', 2599, 'succeeded']);
  const again = await charge(app, 'order-1', { orderId: 'order-1', amount: 2599 });
  assert.is(again.headers['idempotent-replayed'], 'true');
  assert.equal(again.json(), body);
  const other = await charge(app, 'order-2', { orderId: 'order-2', amount: 2599 });
  assert.is.not(other.json().id, body.id);
  assert.is(await newCharges(app), 2);
  await app.close();
});

it('restarted between a first attempt and its retry: the retry gets the first charge, one charge in all', async () => {
  const env = { PAYMENT_KEY_PREFIX: `payment-test-${uniqueSuffix()}:` };
  const before = await paymentApp(env);
  const first = await charge(before, 'order-r', { orderId: 'order-r', amount: 700 });
  assert.is(first.statusCode, 201);
  const chargedBefore = await newCharges(before);
  await before.close();

  const after = await paymentApp(env);
  const retry = await charge(after, 'order-r', { orderId: 'order-r', amount: 700 });
  assert.equal([retry.statusCode, retry.headers['idempotent-replayed'], retry.json()], [201, 'true', first.json()]);
  assert.is(chargedBefore + (await newCharges(after)), 1, 'one charge over both lives of the service');
  await after.close();
});

it('two replicas sharing the store, the same key at once on both during a slow charge: one charge', async () => {
  const env = { PAYMENT_KEY_PREFIX: `payment-test-${uniqueSuffix()}:`, PAYMENT_LATENCY_MS: '300' };
  const replicas = [await paymentApp(env), await paymentApp(env)];
  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: 6 }, (_, i) => charge(replicas[i % 2]!, 'order-slow', { orderId: 'order-slow', amount: 100 })),
  );
  assert.ok(Date.now() - started >= 290, 'the latency is applied');
  assert.is(new Set(answers.map((answer) => answer.json().id)).size, 1);
  assert.equal(answers.map((answer) => answer.headers['idempotent-replayed']).sort(), ['false', 'true', 'true', 'true', 'true', 'true']);
  assert.is((await newCharges(replicas[0]!)) + (await newCharges(replicas[1]!)), 1);
  await Promise.all(replicas.map((app) => app.close()));
});

it('the same key for another order or amount is a 409', async () => {
  const app = await paymentApp();
  await charge(app, 'k', { orderId: 'order-a', amount: 100 });
  for (const body of [{ orderId: 'order-b', amount: 100 }, { orderId: 'order-a', amount: 101 }]) {
    const answer = await charge(app, 'k', body);
    assert.is(answer.statusCode, 409);
    assert.equal(answer.json().error, {
      code: 'idempotency_key_reused',
      message: 'this Idempotency-Key was used for another charge',
      field: 'idempotency-key',
    });
  }
  await app.close();
});

it('a void before any charge: the key is never charged afterwards (409 charge_voided); voiding again repeats it', async () => {
  const app = await paymentApp();
  const voided = await post(app, '/voids', 'order-v', { orderId: 'order-v' });
  assert.is(voided.statusCode, 200);
  assert.equal([voided.json().status, voided.json().orderId, voided.headers['idempotent-replayed']], ['voided', 'order-v', 'false']);
  const late = await charge(app, 'order-v', { orderId: 'order-v', amount: 100 });
  assert.equal([late.statusCode, late.json().error.code], [409, 'charge_voided']);
  const again = await post(app, '/voids', 'order-v', { orderId: 'order-v' });
  assert.equal([again.json(), again.headers['idempotent-replayed']], [voided.json(), 'true']);
  assert.is(await newCharges(app), 0);
  assert.is((await post(app, '/voids', 'order-v', { orderId: 'another' })).statusCode, 409);
  await app.close();
});

it('a void after the charge answers the charge: it stands', async () => {
  const app = await paymentApp();
  const charged = (await charge(app, 'order-c', { orderId: 'order-c', amount: 100 })).json();
  const voided = await post(app, '/voids', 'order-c', { orderId: 'order-c' });
  assert.equal([voided.statusCode, voided.json()], [200, charged]);
  await app.close();
});

it('PAYMENT_FAILURE_RATE=1 fails every charge, and a failed charge is replayed as failed', async () => {
  const app = await paymentApp({ PAYMENT_FAILURE_RATE: '1' });
  const first = await charge(app, 'order-f', { orderId: 'order-f', amount: 100 });
  assert.is(first.json().status, 'failed');
  assert.equal((await charge(app, 'order-f', { orderId: 'order-f', amount: 100 })).json(), first.json());
  await app.close();
});

it('PAYMENT_FAILURE_RATE=0.3 fails about 30% of 1,000 charges', async () => {
  const app = await paymentApp({ PAYMENT_FAILURE_RATE: '0.3' });
  let failed = 0;
  for (let i = 0; i < 1_000; i++) {
    if ((await charge(app, `order-${i}`, { orderId: `order-${i}`, amount: 1 })).json().status === 'failed') failed++;
  }
  // Binomial(1000, 0.3): mean 300, sd 14.5; 220..380 is more than 5 sd either side.
  assert.ok(failed > 220 && failed < 380, `${failed} failures`);
  await app.close();
});

it('the failure rate decides with the random draw: below the rate fails; keys expire after the TTL', async () => {
  const redis = new Redis(redisUrl!);
  const keyPrefix = `payment-test-${uniqueSuffix()}:`;
  const draws = [0.1, 0.5];
  const ledger = new ChargeLedger(redis, { latencyMs: 0, failureRate: 0.3, ttlSeconds: 3_600, keyPrefix, random: () => draws.shift()! });
  assert.is((await ledger.charge('a', { orderId: 'a', amount: 1 })).charge.status, 'failed');
  assert.is((await ledger.charge('b', { orderId: 'b', amount: 1 })).charge.status, 'succeeded');
  const ttl = await redis.ttl(`${keyPrefix}charge:a`);
  assert.ok(ttl > 3_500 && ttl <= 3_600, `ttl ${ttl}`);
  await redis.quit();
});

const invalid: Array<[string, string | undefined, unknown, string]> = [
  ['missing Idempotency-Key', undefined, { orderId: 'o', amount: 1 }, 'idempotency-key'],
  ['empty Idempotency-Key', '', { orderId: 'o', amount: 1 }, 'idempotency-key'],
  ['amount as a string', 'k', { orderId: 'o', amount: '1' }, 'amount'],
  ['zero amount', 'k', { orderId: 'o', amount: 0 }, 'amount'],
  ['an amount over the cap', 'k', { orderId: 'o', amount: 100_000_001 }, 'amount'],
  ['fractional amount', 'k', { orderId: 'o', amount: 1.5 }, 'amount'],
  ['missing orderId', 'k', { amount: 1 }, 'orderId'],
  ['oversized orderId', 'k', { orderId: 'o'.repeat(101), amount: 1 }, 'orderId'],
  ['an unknown field', 'k', { orderId: 'o', amount: 1, currency: 'EUR' }, 'currency'],
];
for (const [name, key, body, field] of invalid) {
  it(`400 naming the field — ${name}`, async () => {
    const app = await paymentApp();
    const answer = await charge(app, key, body);
    assert.is(answer.statusCode, 400);
    assert.equal([answer.json().error.code, answer.json().error.field], ['validation_failed', field]);
    await app.close();
  });
}

it('400 naming the field on /voids: missing key, missing orderId', async () => {
  const app = await paymentApp();
  assert.is((await post(app, '/voids', undefined, { orderId: 'o' })).json().error.field, 'idempotency-key');
  assert.is((await post(app, '/voids', 'k', {})).json().error.field, 'orderId');
  await app.close();
});

it('a configuration out of range stops the start naming the variable', async () => {
  try {
    await paymentApp({ PAYMENT_FAILURE_RATE: '1.5', PAYMENT_LATENCY_MS: '-1', REDIS_URL: '' });
    assert.unreachable('started');
  } catch (error) {
    assert.match((error as Error).message, /PAYMENT_FAILURE_RATE is invalid/);
    assert.match((error as Error).message, /PAYMENT_LATENCY_MS is invalid/);
    assert.match((error as Error).message, /REDIS_URL/);
  }
});

it('/readyz checks Redis; /healthz answers', async () => {
  const app = await paymentApp();
  assert.equal((await app.inject({ url: '/readyz' })).json(), { status: 'up', checks: { redis: 'up' } });
  assert.is((await app.inject({ url: '/healthz' })).statusCode, 200);
  await app.close();
});

test.run();
