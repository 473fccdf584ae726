// The bootstrap's behaviour on a small service built with it: validation, errors, health,
// metrics, request ids. No external server is needed here.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Type } from '@sinclair/typebox';
import { buildService, defineService } from '../src/service.ts';
import { conflict } from '../src/errors.ts';

let storeUp = true;
const definition = defineService({
  name: 'sample-service',
  port: 3999,
  config: Type.Object({ GREETING: Type.String({ default: 'hello' }) }),
  bodyLimit: 1024,
  setup({ app, config, addReadinessCheck }) {
    addReadinessCheck('store', async () => {
      if (!storeUp) throw new Error('connect ECONNREFUSED 127.0.0.1:1');
    });
    addReadinessCheck('slow-peer', () => new Promise<void>((resolve) => setTimeout(resolve, 10)));
    app.post(
      '/items',
      {
        schema: {
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 20 }),
              price: Type.Integer({ minimum: 0 }),
              tags: Type.Optional(Type.Array(Type.String({ maxLength: 5 }), { maxItems: 3 })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => reply.status(201).send({ ...request.body, greeting: config.GREETING }),
    );
    app.get(
      '/items',
      { schema: { querystring: Type.Object({ page: Type.Integer({ minimum: 1, default: 1 }) }) } },
      async (request) => ({ page: request.query.page, type: typeof request.query.page }),
    );
    app.get('/items/:id', async (request) => request.params);
    app.get('/taken', async () => {
      throw conflict('that name is taken', 'name_taken', 'name');
    });
    app.get('/bug', async () => {
      throw new Error('secret internal detail');
    });
    app.get('/store-down', async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
  },
});

const { app, config, drain } = await buildService(definition, { env: { LOG_LEVEL: 'silent', GREETING: 'bonjour' } });

test('config: the kit variables and the service ones are both typed and loaded', () => {
  assert.is(config.PORT, 3999);
  assert.is(config.GREETING, 'bonjour');
});

test('a valid body passes; the service sees it typed', async () => {
  const response = await app.inject({ method: 'POST', url: '/items', payload: { name: 'mug', price: 1200 } });
  assert.is(response.statusCode, 201);
  assert.equal(response.json(), { name: 'mug', price: 1200, greeting: 'bonjour' });
});

const cases: Array<[string, unknown, string]> = [
  ['a string where an integer is expected is not coerced', { name: 'mug', price: '1200' }, 'price'],
  ['a missing field', { name: 'mug' }, 'price'],
  ['an unknown field', { name: 'mug', price: 1, admin: true }, 'admin'],
  ['an oversized string', { name: 'x'.repeat(21), price: 1 }, 'name'],
  ['a nested wrong item', { name: 'mug', price: 1, tags: ['ok', 'toolong'] }, 'tags.1'],
  ['a negative number', { name: 'mug', price: -1 }, 'price'],
];
for (const [name, payload, field] of cases) {
  test(`400 naming the field: ${name}`, async () => {
    const response = await app.inject({ method: 'POST', url: '/items', payload: payload as object });
    assert.is(response.statusCode, 400);
    const body = response.json();
    assert.is(body.error.code, 'validation_failed');
    assert.is(body.error.field, field);
    assert.ok(body.error.message.includes(field), body.error.message);
  });
}

test('a body over the limit is a 413, not a 500', async () => {
  const response = await app.inject({ method: 'POST', url: '/items', payload: { name: 'x'.repeat(2000), price: 1 } });
  assert.is(response.statusCode, 413);
  assert.is(response.json().error.code, 'payload_too_large');
});

test('malformed JSON is a 400 with a code', async () => {
  const response = await app.inject({
    method: 'POST',
    url: '/items',
    headers: { 'content-type': 'application/json' },
    payload: '{"name": ',
  });
  assert.is(response.statusCode, 400);
  assert.is(response.json().error.code, 'invalid_json');
});

test('query strings are coerced and defaulted; a bad one names the field', async () => {
  assert.equal((await app.inject({ url: '/items?page=3' })).json(), { page: 3, type: 'number' });
  assert.equal((await app.inject({ url: '/items' })).json(), { page: 1, type: 'number' });
  const bad = await app.inject({ url: '/items?page=zero' });
  assert.is(bad.statusCode, 400);
  assert.is(bad.json().error.field, 'page');
  assert.ok(bad.json().error.message.startsWith('querystring'));
});

test('thrown HttpErrors keep their status, code and field', async () => {
  const response = await app.inject({ url: '/taken' });
  assert.is(response.statusCode, 409);
  assert.equal(response.json(), { error: { code: 'name_taken', message: 'that name is taken', field: 'name' } });
});

test('an unexpected error is a 500 that does not leak its message', async () => {
  const response = await app.inject({ url: '/bug' });
  assert.is(response.statusCode, 500);
  assert.equal(response.json(), { error: { code: 'internal', message: 'internal error' } });
});

test('a connection error from a store is a 503', async () => {
  const response = await app.inject({ url: '/store-down' });
  assert.is(response.statusCode, 503);
  assert.is(response.json().error.code, 'dependency_unavailable');
});

test('unknown routes get the uniform 404', async () => {
  const response = await app.inject({ url: '/nope' });
  assert.is(response.statusCode, 404);
  assert.is(response.json().error.code, 'not_found');
});

test("what the router refuses gets the uniform body too: 414 for an over-long path parameter, 400 for a bad escape", async () => {
  const tooLong = await app.inject({ url: `/items/${'x'.repeat(101)}`, headers: { 'x-request-id': 'long-1' } });
  assert.is(tooLong.statusCode, 414);
  assert.equal(Object.keys(tooLong.json()), ['error']);
  assert.is(tooLong.json().error.code, 'uri_too_long');
  assert.match(tooLong.json().error.message, 'exceeding the max param length');
  assert.is(tooLong.headers['x-request-id'], 'long-1');
  const badEscape = await app.inject({ url: '/items/%E0%A4%A' });
  assert.is(badEscape.statusCode, 400);
  assert.equal(Object.keys(badEscape.json()), ['error']);
  assert.is(badEscape.json().error.code, 'bad_url');
});

test('close hooks run one at a time, last registered first, even when one fails', async () => {
  const closed: string[] = [];
  const hook = (name: string, fail = false) => async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    closed.push(name);
    if (fail) throw new Error(`${name} failed`);
  };
  const { app: closing } = await buildService(
    defineService({
      name: 'closing-service',
      port: 3998,
      config: Type.Object({}),
      setup({ onClose }) {
        onClose(hook('pool'));
        onClose(hook('producer', true));
        onClose(hook('relay'));
      },
    }),
    { env: { LOG_LEVEL: 'silent' } },
  );
  const failure = await closing.close().then(() => undefined, (error: Error) => error.message);
  assert.equal(closed, ['relay', 'producer', 'pool']);
  assert.is(failure, 'producer failed');
});

test('request ids: taken from x-request-id when sent, generated otherwise, echoed', async () => {
  const given = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
  assert.is(given.headers['x-request-id'], 'abc-123');
  const generated = await app.inject({ url: '/healthz' });
  assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
});

test('/readyz: 200 up per check, 503 down for the one that fails, saying only up or down (no error text), back to 200', async () => {
  const ready = await app.inject({ url: '/readyz' });
  assert.is(ready.statusCode, 200);
  assert.equal(ready.json(), { status: 'up', checks: { store: 'up', 'slow-peer': 'up' } });
  storeUp = false;
  const down = await app.inject({ url: '/readyz' });
  assert.is(down.statusCode, 503);
  assert.equal(down.json(), { status: 'down', checks: { store: 'down', 'slow-peer': 'up' } });
  assert.not.match(down.body, 'ECONNREFUSED', 'why it failed stays in the log');
  storeUp = true;
  assert.is((await app.inject({ url: '/readyz' })).statusCode, 200);
  assert.is((await app.inject({ url: '/healthz' })).statusCode, 200);
});

test('/metrics counts requests per route template and status, with latency histograms', async () => {
  await app.inject({ url: '/items?page=1' });
  await app.inject({ url: '/items?page=2' });
  const text = (await app.inject({ url: '/metrics' })).body;
  const line = text
    .split('\n')
    .find((l) => l.startsWith('http_requests_total{') && l.includes('route="/items"') && l.includes('method="GET"') && l.includes('status_code="200"'));
  assert.ok(line, 'a counter line for GET /items 200');
  assert.ok(Number(line!.split(' ').pop()) >= 2);
  assert.ok(text.includes('service="sample-service"'));
  assert.match(text, /http_request_duration_seconds_bucket\{le="0.005",[^}]*method="POST",route="\/items",status_code="400"/);
  assert.ok(text.includes('process_resident_memory_bytes'));
  assert.match(text, /http_requests_total\{method="GET",route="unmatched",status_code="404"/);
});

test('draining: /readyz answers 503 once shutdown began', async () => {
  drain();
  const response = await app.inject({ url: '/readyz' });
  assert.is(response.statusCode, 503);
  assert.equal(response.json(), { status: 'down', checks: {} });
  await app.close();
});

test.run();
