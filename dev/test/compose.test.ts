// docker-compose.yml: valid against the Compose Specification's JSON schema, and in agreement with
// the manifests (workloads, images, env names and values, store dependencies, health checks,
// the gateway). Both checks are also shown to reject a broken copy.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkComposeAgreement, loadComposeFile, type ComposeFile } from '../compose-check.ts';
import { REPO_ROOT } from '../profile.ts';
import { loadTopology } from '../routes.ts';

// The Compose Specification's schema (compose-spec/compose-spec, schema/compose-spec.json) as the
// npm package dclint ships it. It declares the https form of draft-07's id, which Ajv knows as
// http: the draft is Ajv's default, so the declaration is dropped.
const schemaPath = join(dirname(createRequire(import.meta.url).resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
const { $schema: _draft, ...composeSchema } = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
const validate = new Ajv({ allErrors: true, strict: false }).compile(composeSchema);

const topology = await loadTopology(REPO_ROOT);
const compose = loadComposeFile(REPO_ROOT);
const copy = (): ComposeFile => structuredClone(compose);
const describe = (errors: ErrorObject[] | null | undefined): string =>
  (errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`).join('\n');

test('docker-compose.yml is valid against the Compose Specification schema', () => {
  assert.equal((composeSchema as { title?: string }).title, 'Compose Specification');
  const valid = validate(compose);
  assert.ok(valid, describe(validate.errors));
});

test('the schema check rejects a misspelt key and a wrongly typed value', () => {
  const broken = copy() as { services: Record<string, Record<string, unknown>> };
  broken.services['auth-service']!.dependson = ['auth-db'];
  broken.services.redis!.ports = { host: 6379 };
  assert.not.ok(validate(broken));
  const found = describe(validate.errors);
  assert.match(found, 'dependson');
  assert.match(found, '/services/redis/ports');
});

test('docker-compose.yml agrees with the manifests', () => {
  assert.equal(checkComposeAgreement(compose, topology), []);
});

test('the agreement check names what departs from the manifests', () => {
  const broken = copy() as { services: Record<string, { environment?: Record<string, string>; depends_on?: Record<string, unknown>; image?: string; healthcheck?: { test: string[] } }> };
  delete broken.services['cart-service']!.environment!.PRODUCT_SERVICE_URL;
  broken.services['order-service']!.environment!.CART_SERVICE_URL = 'http://cart-service-svc:3333';
  broken.services['search-service']!.environment!.SEARCH_EXTRA = '1';
  delete broken.services['review-service']!.depends_on!['review-db'];
  broken.services.kafka!.image = 'confluentinc/cp-kafka:latest';
  broken.services['stats-service']!.healthcheck!.test = ['CMD', 'true'];
  delete broken.services['notification-service'];
  delete broken.services.gateway!.depends_on!['product-service-v2'];
  const problems = checkComposeAgreement(broken as ComposeFile, topology).join('\n');
  for (const expected of [
    'cart-service: environment lacks PRODUCT_SERVICE_URL',
    'order-service: CART_SERVICE_URL=http://cart-service-svc:3333 but the manifests give http://cart-service-svc:3003',
    'search-service: environment has SEARCH_EXTRA',
    'review-service: DATABASE_URL uses review-db-svc, so depends_on needs review-db',
    'kafka: image confluentinc/cp-kafka:latest but kafka-deployment runs confluentinc/cp-kafka:7.9.0',
    'stats-service: the healthcheck must ask /readyz on port 3007',
    'notification-service: missing',
    'gateway: depends_on lacks product-service-v2',
  ]) {
    assert.match(problems, expected);
  }
});

test.run();
