// The committed OpenAPI documents (services/<name>/openapi.json) are what the services' routes
// give now, and they hold the contract's routes. Apps built against the test environment.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { documentPath, generateDocument, serviceNames } from '../openapi.ts';

const serversUp = Boolean(server('POSTGRES_URL') && server('REDIS_URL') && server('KAFKA_BROKERS') && server('ELASTICSEARCH_URL'));
const it = serversUp ? test : test.skip;

/** Routes of the public API (ARCHITECTURE.md), as each service sees them with its prefix removed. */
const CONTRACT: Record<string, string[]> = {
  'auth-service': ['POST /register', 'POST /login', 'POST /refresh', 'GET /me', 'GET /.well-known/jwks.json'],
  'product-service': ['GET /', 'GET /{id}', 'POST /', 'PATCH /{id}'],
  'cart-service': ['GET /', 'PUT /items/{productId}', 'DELETE /'],
  'order-service': ['POST /', 'GET /', 'GET /{id}'],
  'review-service': ['POST /', 'GET /'],
  'search-service': ['GET /'],
  'stats-service': ['GET /sales', 'GET /products/{id}'],
  'notification-service': ['GET /'],
  'payment-service': ['POST /charges'],
};

interface Document {
  info: { title: string };
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: unknown }>>;
}

it('every service has a document, and its routes are the contract\'s', () => {
  assert.equal(serviceNames(), Object.keys(CONTRACT).sort());
});

for (const service of Object.keys(CONTRACT).sort()) {
  it(`${service}: services/${service}/openapi.json is what its routes generate (else: npm run openapi)`, async () => {
    const generated = await generateDocument(service);
    const committed = readFileSync(documentPath(service), 'utf8');
    assert.fixture(committed, generated);
    const document = JSON.parse(generated) as Document;
    assert.is(document.info.title, service);
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`));
    for (const route of [...CONTRACT[service]!, 'GET /healthz', 'GET /readyz', 'GET /metrics']) {
      assert.ok(operations.includes(route), `${route} is documented`);
    }
  });
}

it('schemas are carried over: the body, query and path parameters a route validates are in its operation', () => {
  const read = (service: string) => JSON.parse(readFileSync(documentPath(service), 'utf8')) as Document;
  const register = read('auth-service').paths['/register']!.post!;
  assert.ok(JSON.stringify(register.requestBody).includes('"password"'));
  const search = read('search-service').paths['/']!.get!;
  assert.equal(search.parameters?.map((parameter) => `${parameter.in}:${parameter.name}`).sort(), ['query:cursor', 'query:limit', 'query:q']);
  const product = read('product-service').paths['/{id}']!.patch!;
  assert.ok(product.parameters?.some((parameter) => parameter.in === 'path' && parameter.name === 'id'));
});

test.run();
