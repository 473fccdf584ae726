// Interim: a real product-service (its buildApp, its own test database) until product-service
// ships a test harness of its own.
import { applyMigrations } from '@shopmesh/service-kit/db';
import { createTestDatabase, listenOnFreePort, uniqueSuffix } from '@shopmesh/service-kit/testing';
import { buildApp } from '@shopmesh/product-service/src/app.ts';

export interface TestProduct {
  id: string;
  name: string;
  price: number;
  stock: number;
}

export interface RunningProductService {
  url: string;
  create(fields?: Partial<Omit<TestProduct, 'id'>>): Promise<TestProduct>;
  update(id: string, changes: Partial<Omit<TestProduct, 'id'>>): Promise<TestProduct>;
  close(): Promise<void>;
}

export async function startProductService(options: {
  postgresUrl: string;
  kafkaBrokers: string;
  jwksUrl: string;
  adminToken: () => Promise<string>;
}): Promise<RunningProductService> {
  const database = await createTestDatabase(options.postgresUrl, 'product_test');
  await applyMigrations({
    url: database.url,
    migrationsFolder: new URL('../../product-service/drizzle/', import.meta.url).pathname,
  });
  const { app } = await buildApp({
    env: { DATABASE_URL: database.url, KAFKA_BROKERS: options.kafkaBrokers, AUTH_JWKS_URL: options.jwksUrl, LOG_LEVEL: 'warn' },
  });
  const url = await listenOnFreePort(app);
  const send = async (method: string, path: string, body: unknown): Promise<TestProduct> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await options.adminToken()}` },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`product-service ${method} ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as TestProduct;
  };
  return {
    url,
    create: (fields = {}) =>
      send('POST', '/', {
        name: `product ${uniqueSuffix()}`,
        description: 'a product for tests',
        category: 'test',
        price: 1_250,
        stock: 10,
        ...fields,
      }),
    update: (id, changes) => send('PATCH', `/${id}`, changes),
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
