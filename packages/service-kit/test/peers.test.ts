// product-service's client against a real local HTTP server answering as product-service does.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DependencyUnavailableError } from '../src/errors.ts';
import { createProductCatalog } from '../src/peers.ts';
import { startLocalServer, type LocalServer } from './fixtures/http-server.ts';

const mug = { id: 'p-1', name: 'Mug', description: 'A mug', category: 'kitchen', price: 1250, stock: 3 };
const answers: Record<string, [number, unknown]> = {
  '/p-1': [200, mug],
  '/unknown': [404, { error: { code: 'not_found', message: 'no such product' } }],
  '/not%20an%20id': [400, { error: { code: 'validation_failed', message: 'params field id is invalid', field: 'id' } }],
  '/half': [200, { id: 'half', price: 'cheap' }],
  '/broken': [500, { error: { code: 'internal', message: 'internal error' } }],
  '/healthz': [200, { status: 'ok' }],
};

let peer: LocalServer;
let baseUrl: string;
test.before(async () => {
  peer = await startLocalServer((request, response) => {
    const [status, body] = answers[request.url ?? ''] ?? [404, {}];
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  baseUrl = peer.url;
});
test.after(() => peer.close());

const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(() => assert.unreachable('expected a failure'), (error: unknown) => error);

test('a known product is returned as product-service answered it; unknown or malformed ids are undefined', async () => {
  const catalog = createProductCatalog(baseUrl);
  assert.equal(await catalog.find('p-1'), mug);
  assert.is(await catalog.find('unknown'), undefined);
  assert.is(await catalog.find('not an id'), undefined);
  await catalog.check();
});

test('an answer without a product, a 5xx or no answer is a 503 naming product-service', async () => {
  const catalog = createProductCatalog(baseUrl);
  for (const error of [await failure(catalog.find('half')), await failure(catalog.find('broken'))]) {
    assert.instance(error, DependencyUnavailableError);
    assert.is((error as Error).message, 'product-service is unavailable');
  }
  const gone = createProductCatalog('http://127.0.0.1:1');
  assert.instance(await failure(gone.find('p-1')), DependencyUnavailableError);
  assert.instance(await failure(gone.check()), DependencyUnavailableError);
});

test.run();
