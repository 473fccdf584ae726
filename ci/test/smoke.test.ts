// Smoke requests against real HTTP servers on loopback (node:http; no mock library): retries while
// the mesh may still be settling, and failures that name route, status and body.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, memorySink } from '../lib/log.ts';
import { runSmokeScenario, SmokeClient, SmokeError } from '../steps/smoke.ts';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

async function listen(handler: Handler, port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => handler(request, body, response));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

test('503 while the endpoints settle, then 200: retried, and the line says how many attempts', async () => {
  let calls = 0;
  const { server, url } = await listen((_request, _body, response) => {
    calls++;
    if (calls <= 2) json(response, 503, { error: 'no healthy upstream' });
    else json(response, 200, { items: [] });
  });
  const { sink, lines } = memorySink();
  try {
    const client = new SmokeClient({ baseUrl: url, log: new Log(sink), retryWindowMs: 10_000 });
    const body = await client.request({ method: 'GET', path: '/products/', expect: [200] });
    assert.equal(body, { items: [] });
    assert.is(calls, 3);
    assert.match(lines.join('\n'), /ok {2}200 GET \/products\/ \(.*3 attempts\)/);
  } finally {
    await close(server);
  }
});

test('after the retry window, a 500 fails at once naming the route, the status and the body', async () => {
  let calls = 0;
  const { server, url } = await listen((_request, _body, response) => {
    calls++;
    json(response, 500, { error: { code: 'internal', message: 'database unreachable' } });
  });
  const { sink, lines } = memorySink();
  try {
    const client = new SmokeClient({ baseUrl: url, log: new Log(sink), retryWindowMs: 0 });
    try {
      await client.request({ method: 'POST', path: '/orders/', body: {}, expect: [201] });
      assert.unreachable('accepted a 500');
    } catch (error) {
      assert.instance(error, SmokeError);
      const message = (error as Error).message;
      assert.match(message, 'POST /orders/');
      assert.match(message, 'expected 201, got 500');
      assert.match(message, 'database unreachable');
    }
    assert.is(calls, 1);
    assert.match(lines.at(-1) ?? '', /^FAIL POST \/orders\//);
  } finally {
    await close(server);
  }
});

test('a definite answer (409) is not retried even inside the window', async () => {
  let calls = 0;
  const { server, url } = await listen((_request, _body, response) => {
    calls++;
    json(response, 409, { error: { code: 'conflict', message: 'email taken' } });
  });
  try {
    const client = new SmokeClient({ baseUrl: url, log: new Log(() => undefined), retryWindowMs: 30_000 });
    const started = Date.now();
    await client.request({ method: 'POST', path: '/auth/register', body: {}, expect: [201] }).then(
      () => assert.unreachable('accepted a 409'),
      (error: Error) => assert.match(error.message, 'got 409'),
    );
    assert.is(calls, 1);
    assert.ok(Date.now() - started < 2000);
  } finally {
    await close(server);
  }
});

test('connection refused at first (gateway not listening yet), then the server comes up: retried until it answers', async () => {
  const probe = await listen(() => undefined);
  const port = (probe.server.address() as AddressInfo).port;
  await close(probe.server);
  const client = new SmokeClient({ baseUrl: `http://127.0.0.1:${port}`, log: new Log(() => undefined), retryWindowMs: 15_000 });
  let late: Server | undefined;
  let lateError: unknown;
  // Handled where it starts: the freed port may have been taken meanwhile (then said so below).
  const starter = setTimeout(() => {
    listen((_request, _body, response) => json(response, 200, { keys: [] }), port).then(
      (started) => (late = started.server),
      (error: unknown) => (lateError = error),
    );
  }, 700);
  try {
    const body = await client.request({ method: 'GET', path: '/auth/.well-known/jwks.json', expect: [200] }).catch((error: unknown) => {
      throw lateError ? new Error(`the late server could not listen on ${port}: ${String(lateError)}`) : error;
    });
    assert.equal(body, { keys: [] });
    assert.ok((client.attempts[0] ?? 0) > 1, 'the first attempt was refused');
  } finally {
    clearTimeout(starter);
    if (late) await close(late);
  }
});

test('an eventual check (search index fed by events) is retried until the body is right', async () => {
  let calls = 0;
  const { server, url } = await listen((_request, _body, response) => {
    calls++;
    json(response, 200, { items: calls < 3 ? [] : [{ id: 'p1', name: 'lamp', price: 1 }] });
  });
  try {
    const client = new SmokeClient({ baseUrl: url, log: new Log(() => undefined), retryWindowMs: 0, eventualMs: 10_000 });
    await client.request({
      method: 'GET',
      path: '/search/?q=lamp',
      expect: [200],
      eventual: true,
      check: (body) => (JSON.stringify(body).includes('"p1"') ? undefined : 'not indexed yet'),
    });
    assert.is(calls, 3);
  } finally {
    await close(server);
  }
});

/**
 * A loopback stand-in for the gateway (Istio's data plane cannot run here): answers each public
 * route as ARCHITECTURE.md specifies and records what it was sent.
 */
function shopStandIn(seen: string[]): Handler {
  const tokens = new Map([['user-token', 'user'], ['admin-token', 'admin']]);
  return (request, raw, response) => {
    const url = new URL(request.url ?? '/', 'http://x');
    const route = `${request.method} ${url.pathname}`;
    const who = tokens.get((request.headers.authorization ?? '').replace('Bearer ', ''));
    seen.push(`${route}${who ? ` as ${who}` : ''}${request.headers['idempotency-key'] ? ' with idempotency key' : ''}`);
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    if (route === 'GET /auth/.well-known/jwks.json') return json(response, 200, { keys: [{ kty: 'RSA' }] });
    if (route === 'POST /auth/register') return json(response, 201, { id: 'u1', email: body.email, name: body.name });
    if (route === 'POST /auth/login') {
      const admin = body.email === 'admin@shopmesh.local' && body.password === 'secret';
      return json(response, 200, { accessToken: admin ? 'admin-token' : 'user-token', refreshToken: 'r', expiresIn: 900 });
    }
    if (route === 'GET /auth/me') return json(response, who ? 200 : 401, { id: 'u1', role: who });
    if (route === 'POST /products/') return json(response, who === 'admin' ? 201 : 403, { id: 'p1', ...body });
    if (route === 'GET /products/') return json(response, 200, { items: [], total: 0, page: 1, limit: 5 });
    if (route === 'GET /products/p1') return json(response, 200, { id: 'p1', price: 1999 });
    if (route === 'PUT /cart/items/p1' || route === 'GET /cart/') return json(response, who ? 200 : 401, { items: [], total: 0 });
    if (route === 'POST /orders/') return json(response, request.headers['idempotency-key'] ? 201 : 400, { id: 'o1', status: 'paid' });
    if (route === 'GET /orders/') return json(response, 200, []);
    if (route === 'GET /orders/o1') return json(response, 200, { id: 'o1', status: 'paid' });
    if (route === 'POST /reviews/') return json(response, 201, { id: 'r1' });
    if (route === 'GET /reviews/') return json(response, 200, { items: [] });
    if (route === 'GET /search/') return json(response, 200, { items: [{ id: 'p1', name: 'x', price: 1999 }] });
    if (route === 'GET /stats/sales') return json(response, who === 'admin' ? 200 : 403, { orders: 1, revenue: 1999 });
    if (route === 'GET /stats/products/p1') return json(response, 200, { productId: 'p1', sold: 1 });
    if (route === 'GET /notifications/') return json(response, 200, { items: [] });
    return json(response, 404, { error: { code: 'not_found', message: route } });
  };
}

test('the scenario calls every public route once, as user or admin where the route requires it (gateway stand-in on loopback)', async () => {
  const seen: string[] = [];
  const { server, url } = await listen(shopStandIn(seen));
  const { sink, lines } = memorySink();
  try {
    const client = new SmokeClient({ baseUrl: url, log: new Log(sink), retryWindowMs: 0 });
    await runSmokeScenario(client, async () => ({ email: 'admin@shopmesh.local', password: 'secret' }));
    assert.ok(seen.includes('POST /products/ as admin'), seen.join('\n'));
    assert.ok(seen.includes('GET /stats/sales as admin'));
    assert.ok(seen.includes('POST /orders/ as user with idempotency key'));
    assert.ok(seen.includes('GET /notifications/ as user'));
    const prefixes = new Set(seen.map((line) => line.split(' ')[1]?.split('/')[1]));
    assert.equal([...prefixes].sort(), ['auth', 'cart', 'notifications', 'orders', 'products', 'reviews', 'search', 'stats']);
    assert.is(lines.filter((line) => line.startsWith('ok ')).length, seen.length);
  } finally {
    await close(server);
  }
});

test.run();
