// Each service's OpenAPI document, generated from its route schemas (@fastify/swagger, which the
// kit registers on every app): `npm run openapi` writes services/<name>/openapi.json, and
// scripts/test/openapi.test.ts checks that the committed documents are what the routes give.
// The apps are built against the test environment's servers (as in tests: databases, topics,
// index and consumer groups of their own), since building one runs its setup.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyMigrations } from '../packages/service-kit/src/db.ts';
import { createTestDatabase, uniqueSuffix } from '../packages/service-kit/src/testing.ts';
import { loadTestEnv } from '../packages/testkit/src/index.ts';

const root = join(import.meta.dirname, '..');

/** The services: folders of services/ with a Dockerfile. */
export const serviceNames = (): string[] =>
  readdirSync(join(root, 'services'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(root, 'services', entry.name, 'Dockerfile')))
    .map((entry) => entry.name)
    .sort();

export const documentPath = (service: string): string => join(root, 'services', service, 'openapi.json');

interface BuiltApp {
  app: { swagger(): object; close(): Promise<void>; ready(): Promise<unknown> };
}

/** The document of `service` as its routes describe it, as the text written to its file. */
export async function generateDocument(service: string): Promise<string> {
  const env = loadTestEnv();
  const need = (key: string): string => {
    const value = env[key];
    if (!value) throw new Error(`${key} is not set: run testenv/up`);
    return value;
  };
  const suffix = uniqueSuffix();
  const migrations = join(root, 'services', service, 'drizzle');
  const database = existsSync(migrations) ? await createTestDatabase(need('POSTGRES_URL'), `openapi_${service.replace(/-/g, '_')}`) : undefined;
  if (database) await applyMigrations({ url: database.url, migrationsFolder: migrations });
  const nowhere = 'http://127.0.0.1:9'; // peers: never called while the document is built
  const { buildApp } = (await import(pathToFileURL(join(root, 'services', service, 'src', 'app.ts')).href)) as {
    buildApp(options: { env: NodeJS.ProcessEnv }): Promise<BuiltApp>;
  };
  const { app } = await buildApp({
    env: {
      LOG_LEVEL: 'silent',
      DATABASE_URL: database?.url ?? 'postgres://127.0.0.1:9/none',
      REDIS_URL: need('REDIS_URL'),
      KAFKA_BROKERS: need('KAFKA_BROKERS'),
      ELASTICSEARCH_URL: need('ELASTICSEARCH_URL'),
      ELASTICSEARCH_INDEX: `openapi-${suffix}`,
      KAFKA_GROUP_ID: `openapi-${suffix}`,
      PRODUCT_EVENTS_TOPIC: `openapi-product-events-${suffix}`,
      ORDER_EVENTS_TOPIC: `openapi-order-events-${suffix}`,
      REVIEW_EVENTS_TOPIC: `openapi-review-events-${suffix}`,
      AUTH_JWKS_URL: `${nowhere}/.well-known/jwks.json`,
      PRODUCT_SERVICE_URL: nowhere,
      CART_SERVICE_URL: nowhere,
      PAYMENT_SERVICE_URL: nowhere,
      PAYMENT_CALLER_TOKEN: 'openapi-generation-token-0123456789abcdef',
      JWT_PRIVATE_KEY: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      ADMIN_EMAIL: `openapi-${suffix}@shop.test`,
      ADMIN_PASSWORD: 'openapi-admin-password',
      RATE_LIMIT_KEY_PREFIX: `openapi-${suffix}:`,
    },
  });
  try {
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await database?.drop();
    if (service === 'search-service') await fetch(`${need('ELASTICSEARCH_URL')}/openapi-${suffix}`, { method: 'DELETE' }).catch(() => undefined);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const service of process.argv.slice(2).length > 0 ? process.argv.slice(2) : serviceNames()) {
    writeFileSync(documentPath(service), await generateDocument(service));
    console.log(`services/${service}/openapi.json written`);
  }
  process.exit(0); // consumers' and relays' background retries end with the process
}
