// payment-service: idempotent charges, injected latency and failures, input validation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ChargeBook } from '../src/charges.ts';
import { buildApp } from '../src/app.ts';
import { CALLER_TOKEN_HEADER } from '../src/caller.ts';
import { TEST_CALLER_TOKEN } from './harness.ts';

async function paymentApp(env: NodeJS.ProcessEnv = {}) {
  return (await buildApp({ env: { LOG_LEVEL: 'silent', PAYMENT_CALLER_TOKEN: TEST_CALLER_TOKEN, ...env } })).app;
}

type App = Awaited<ReturnType<typeof paymentApp>>;
const charge = (app: App, key: string | undefined, body: unknown) =>
  app.inject({
    method: 'POST',
    url: '/charges',
    headers: { [CALLER_TOKEN_HEADER]: TEST_CALLER_TOKEN, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    payload: body as object,
  });

test('only order-service may charge: no token, a wrong token or another mesh identity is a 403, before the body is read', async () => {
  const orderService = 'spiffe://cluster.local/ns/lirmm-services/sa/order-service';
  const app = await paymentApp({ PAYMENT_CALLER_IDENTITY: orderService });
  const attempt = (headers: Record<string, string>) =>
    app.inject({ method: 'POST', url: '/charges', headers: { 'idempotency-key': 'k-caller', ...headers }, payload: { orderId: 'o', amount: 100 } });
  const refused = [
    await attempt({}),
    await attempt({ [CALLER_TOKEN_HEADER]: 'x'.repeat(40) }),
    await attempt({ 'x-forwarded-client-cert': 'By=spiffe://cluster.local/ns/lirmm-services/sa/payment-service;URI=spiffe://cluster.local/ns/lirmm-services/sa/cart-service' }),
    // A client-written element first, our sidecar's last: only the last counts.
    await attempt({ 'x-forwarded-client-cert': `URI=${orderService},By=x;URI=spiffe://cluster.local/ns/lirmm-services/sa/cart-service` }),
  ];
  for (const answer of refused) assert.equal([answer.statusCode, answer.json().error.code], [403, 'caller_not_allowed']);
  const bodyless = await app.inject({ method: 'POST', url: '/charges', headers: { 'idempotency-key': 'k' }, payload: 'not json', });
  assert.is(bodyless.statusCode, 403, 'the caller is checked before the body');
  assert.is((await attempt({ [CALLER_TOKEN_HEADER]: TEST_CALLER_TOKEN })).statusCode, 201);
  assert.is((await attempt({ 'x-forwarded-client-cert': `By=spiffe://cluster.local/ns/lirmm-services/sa/payment-service;URI=${orderService}` })).statusCode, 201);
  await app.close();
});

test('payment-service refuses to start without a way to check its caller, naming the variables', async () => {
  const started = await buildApp({ env: { LOG_LEVEL: 'silent' } }).then(
    () => 'started',
    (error: Error) => error.message,
  );
  assert.match(started, /PAYMENT_CALLER_TOKEN or PAYMENT_CALLER_IDENTITY/);
});

test('a charge succeeds; the same key again returns the same charge, charged once', async () => {
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
  const metrics = (await app.inject({ url: '/metrics' })).body;
  assert.match(metrics, /payment_charges_total\{status="succeeded"[^}]*\} 2/);
  await app.close();
});

test('concurrent retries of one key during a slow charge make one charge', async () => {
  const app = await paymentApp({ PAYMENT_LATENCY_MS: '300' });
  const started = Date.now();
  const answers = await Promise.all(
    Array.from({ length: 5 }, () => charge(app, 'order-slow', { orderId: 'order-slow', amount: 100 })),
  );
  assert.ok(Date.now() - started >= 290, 'the latency is applied');
  const ids = new Set(answers.map((answer) => answer.json().id));
  assert.is(ids.size, 1);
  assert.equal(answers.map((answer) => answer.headers['idempotent-replayed']).sort(), ['false', 'true', 'true', 'true', 'true']);
  const metrics = (await app.inject({ url: '/metrics' })).body;
  assert.match(metrics, /payment_charges_total\{status="succeeded"[^}]*\} 1/);
  await app.close();
});

test('the same key for another order or amount is a 409', async () => {
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

test('PAYMENT_FAILURE_RATE=1 fails every charge, and a failed charge is replayed as failed', async () => {
  const app = await paymentApp({ PAYMENT_FAILURE_RATE: '1' });
  const first = await charge(app, 'order-f', { orderId: 'order-f', amount: 100 });
  assert.is(first.json().status, 'failed');
  assert.equal((await charge(app, 'order-f', { orderId: 'order-f', amount: 100 })).json(), first.json());
  await app.close();
});

test('PAYMENT_FAILURE_RATE=0.3 fails about 30% of 1,000 charges', async () => {
  const app = await paymentApp({ PAYMENT_FAILURE_RATE: '0.3' });
  let failed = 0;
  for (let i = 0; i < 1_000; i++) {
    if ((await charge(app, `order-${i}`, { orderId: `order-${i}`, amount: 1 })).json().status === 'failed') failed++;
  }
  // Binomial(1000, 0.3): mean 300, sd 14.5; 220..380 is more than 5 sd either side.
  assert.ok(failed > 220 && failed < 380, `${failed} failures`);
  await app.close();
});

test('the failure rate decides with the random draw: below the rate fails', async () => {
  const draws = [0.1, 0.5];
  const book = new ChargeBook({ latencyMs: 0, failureRate: 0.3, capacity: 10, random: () => draws.shift()! });
  assert.is((await book.charge('a', { orderId: 'a', amount: 1 })).charge.status, 'failed');
  assert.is((await book.charge('b', { orderId: 'b', amount: 1 })).charge.status, 'succeeded');
});

test('the key map is bounded: past its capacity the oldest keys are forgotten', async () => {
  const book = new ChargeBook({ latencyMs: 0, failureRate: 0, capacity: 3 });
  const first = await book.charge('k0', { orderId: 'o0', amount: 1 });
  for (let i = 1; i <= 3; i++) await book.charge(`k${i}`, { orderId: `o${i}`, amount: 1 });
  assert.is(book.size, 3);
  const again = await book.charge('k0', { orderId: 'o0', amount: 1 });
  assert.is(again.replayed, false, 'k0 was forgotten');
  assert.is.not(again.charge.id, first.charge.id);
  assert.is((await book.charge('k3', { orderId: 'o3', amount: 1 })).replayed, true, 'recent keys are kept');
});

const invalid: Array<[string, string | undefined, unknown, string]> = [
  ['missing Idempotency-Key', undefined, { orderId: 'o', amount: 1 }, 'idempotency-key'],
  ['empty Idempotency-Key', '', { orderId: 'o', amount: 1 }, 'idempotency-key'],
  ['amount as a string', 'k', { orderId: 'o', amount: '1' }, 'amount'],
  ['zero amount', 'k', { orderId: 'o', amount: 0 }, 'amount'],
  ['fractional amount', 'k', { orderId: 'o', amount: 1.5 }, 'amount'],
  ['missing orderId', 'k', { amount: 1 }, 'orderId'],
  ['oversized orderId', 'k', { orderId: 'o'.repeat(101), amount: 1 }, 'orderId'],
  ['an unknown field', 'k', { orderId: 'o', amount: 1, currency: 'EUR' }, 'currency'],
];
for (const [name, key, body, field] of invalid) {
  test(`400 naming the field — ${name}`, async () => {
    const app = await paymentApp();
    const answer = await charge(app, key, body);
    assert.is(answer.statusCode, 400);
    assert.equal([answer.json().error.code, answer.json().error.field], ['validation_failed', field]);
    await app.close();
  });
}

test('a configuration out of range stops the start naming the variable', async () => {
  try {
    await paymentApp({ PAYMENT_FAILURE_RATE: '1.5', PAYMENT_LATENCY_MS: '-1' });
    assert.unreachable('started');
  } catch (error) {
    assert.match((error as Error).message, /PAYMENT_FAILURE_RATE is invalid/);
    assert.match((error as Error).message, /PAYMENT_LATENCY_MS is invalid/);
  }
});

test('/readyz has no dependency to wait for; /healthz answers', async () => {
  const app = await paymentApp();
  assert.equal((await app.inject({ url: '/readyz' })).json(), { status: 'ready', checks: {} });
  assert.is((await app.inject({ url: '/healthz' })).statusCode, 200);
  await app.close();
});

test.run();
