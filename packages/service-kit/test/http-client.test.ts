// The service-to-service client against a real local HTTP server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DependencyUnavailableError } from '../src/errors.ts';
import { createHttpClient } from '../src/http-client.ts';
import { startLocalServer, type LocalServer } from './fixtures/http-server.ts';

let peer: LocalServer;
let healthStatus = 200;
let baseUrl: string;

test.before(async () => {
  peer = await startLocalServer((request, response) => {
    const send = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/ok') return send(200, { echo: request.headers['x-request-id'] ?? null });
    if (request.url === '/healthz') return send(healthStatus, { status: 'ok' });
    if (request.url === '/missing') return send(404, { error: { code: 'not_found', message: 'no' } });
    if (request.url === '/broken') return send(500, { error: { code: 'internal', message: 'boom' } });
    if (request.url === '/slow') return void setTimeout(() => send(200, {}), 2_000);
    if (request.method === 'POST') {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => send(201, JSON.parse(text)));
      return;
    }
    send(404, {});
  });
  baseUrl = peer.url;
});
test.after(() => peer.close());

test('2xx and 4xx answers are returned with their JSON body', async () => {
  const client = createHttpClient({ name: 'peer', baseUrl });
  assert.equal(await client.get('/ok', { 'x-request-id': 'r1' }), { status: 200, body: { echo: 'r1' } });
  assert.equal((await client.get('/missing')).status, 404);
  assert.equal(await client.post('/anything', { a: 1 }), { status: 201, body: { a: 1 } });
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.unreachable('expected a failure'),
    (error: unknown) => error,
  );
}

test('5xx, timeouts and refused connections become a 503 DependencyUnavailableError', async () => {
  const client = createHttpClient({ name: 'peer', baseUrl, timeoutMs: 300 });
  for (const error of [await failure(client.get('/broken')), await failure(client.get('/slow'))]) {
    assert.instance(error, DependencyUnavailableError);
    assert.is((error as DependencyUnavailableError).statusCode, 503);
    assert.is((error as Error).message, 'peer is unavailable');
  }
  const closed = createHttpClient({ name: 'gone', baseUrl: 'http://127.0.0.1:1' });
  assert.instance(await failure(closed.get('/ok')), DependencyUnavailableError);
});

test('check(): the peer is ready when its /healthz answers 200; any other status or no answer throws', async () => {
  const client = createHttpClient({ name: 'peer', baseUrl });
  await client.check();
  healthStatus = 404;
  try {
    assert.match(String(await failure(client.check())), 'peer /healthz answered 404');
  } finally {
    healthStatus = 200;
  }
  assert.instance(await failure(createHttpClient({ name: 'gone', baseUrl: 'http://127.0.0.1:1' }).check()), DependencyUnavailableError);
});

test.run();
