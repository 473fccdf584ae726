// The smoke client's behaviour on answers the real shop cannot give on demand (a 503 while endpoints
// settle, a wrong answer after the retry window), from scripted HTTP servers on loopback (node:http):
// retries, and failures that name route, status and body. The scenario itself runs against the real
// shop on the real node (pipeline-real-node.test.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Log, memorySink } from '../lib/log.ts';
import { SmokeClient, SmokeError } from '../steps/smoke.ts';

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

test.run();
