// product-service for tests, over a database of its own on the test PostgreSQL. Other services'
// tests import `@shopmesh/product-service/testing` for `startProductService`; product-service's
// own tests start several apps over one database with `startProductApp`.
import type { App } from '@shopmesh/service-kit';
import { applyMigrations } from '@shopmesh/service-kit/db';
import { callJson, createTestDatabase, listenOnFreePort, uniqueSuffix, type TestDatabase } from '@shopmesh/service-kit/testing';
import { buildApp } from '../src/app.ts';
import type { NewProduct, Product, ProductChanges } from '../src/product.ts';

export type { Product } from '../src/product.ts';

export const productMigrationsFolder = new URL('../drizzle/', import.meta.url).pathname;

/** An empty product database with the schema applied. */
export async function createProductDatabase(postgresServerUrl: string): Promise<TestDatabase> {
  const database = await createTestDatabase(postgresServerUrl, 'product_test');
  await applyMigrations({ url: database.url, migrationsFolder: productMigrationsFolder });
  return database;
}

export interface RunningProductApp {
  app: App;
  url: string;
}

/** product-service with `env` (LOG_LEVEL warn unless given), listening on a free port. */
export async function startProductApp(env: NodeJS.ProcessEnv): Promise<RunningProductApp> {
  const { app } = await buildApp({ env: { LOG_LEVEL: 'warn', ...env } });
  return { app, url: await listenOnFreePort(app) };
}

export interface RunningProductService {
  url: string;
  /** Creates a product (fields not given get test values); `adminToken` from auth-service's harness. */
  createProduct(adminToken: string, fields?: Partial<NewProduct>): Promise<Product>;
  updateProduct(adminToken: string, id: string, changes: ProductChanges): Promise<Product>;
  close(): Promise<void>;
}

/** A real product-service (v1 unless `env` says otherwise) over a fresh database, publishing to `kafkaBrokers`. */
export async function startProductService(
  postgresServerUrl: string,
  options: { jwksUrl: string; kafkaBrokers: string; env?: NodeJS.ProcessEnv },
): Promise<RunningProductService> {
  const database = await createProductDatabase(postgresServerUrl);
  const { app, url } = await startProductApp({
    DATABASE_URL: database.url,
    KAFKA_BROKERS: options.kafkaBrokers,
    AUTH_JWKS_URL: options.jwksUrl,
    ...options.env,
  });
  const send = async (adminToken: string, method: string, path: string, body: unknown): Promise<Product> => {
    const answer = await callJson(url, method, path, { token: adminToken, body });
    if (answer.status !== 200 && answer.status !== 201) {
      throw new Error(`product-service ${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    return answer.body as Product;
  };
  return {
    url,
    createProduct: (adminToken, fields = {}) =>
      send(adminToken, 'POST', '/', {
        name: `product ${uniqueSuffix()}`,
        description: 'a product for tests',
        category: 'test',
        price: 1_250,
        stock: 10,
        ...fields,
      }),
    updateProduct: (adminToken, id, changes) => send(adminToken, 'PATCH', `/${id}`, changes),
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
