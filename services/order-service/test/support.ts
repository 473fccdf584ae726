// The real services an order needs, in-process on free ports: auth, product, cart, payment
// (working and always-declining), and order-service over its own test database.
import type { App } from '@shopmesh/service-kit';
import { applyMigrations } from '@shopmesh/service-kit/db';
import { createTestDatabase, listenOnFreePort, type TestDatabase } from '@shopmesh/service-kit/testing';
import { startAuthService, type RunningAuthService } from '@shopmesh/auth-service/testing';
import {
  call,
  startCartService,
  startProductService,
  type RunningCartService,
  type RunningProductService,
} from '@shopmesh/cart-service/testing';
import { buildApp as buildPaymentApp } from '@shopmesh/payment-service/src/app.ts';
import { buildApp } from '../src/app.ts';

export interface RunningApp {
  app: App;
  url: string;
}

export interface RunningPaymentService extends RunningApp {
  /** New charges made so far (replays of a key excluded), from the service's own metric. */
  charges(): Promise<number>;
}

export async function startPaymentService(failureRate: number, latencyMs = 0): Promise<RunningPaymentService> {
  const { app } = await buildPaymentApp({
    env: { PAYMENT_FAILURE_RATE: String(failureRate), PAYMENT_LATENCY_MS: String(latencyMs), LOG_LEVEL: 'warn' },
  });
  const url = await listenOnFreePort(app);
  return {
    app,
    url,
    async charges() {
      const text = await (await fetch(`${url}/metrics`)).text();
      return [...text.matchAll(/^payment_charges_total\{[^}]*\} (\d+)$/gm)].reduce((sum, [, n]) => sum + Number(n), 0);
    },
  };
}

export interface Stack {
  auth: RunningAuthService;
  products: RunningProductService;
  cart: RunningCartService;
  payments: RunningPaymentService;
  decliningPayments: RunningPaymentService;
  database: TestDatabase;
  /** order-service charging at `payments`. */
  orders: RunningApp;
  /** order-service charging at `decliningPayments` (same database). */
  ordersDeclined: RunningApp;
  /** Another order-service over the same database, with some URLs replaced (proxies). */
  startOrderService(overrides?: Partial<OrderServiceEnv>): Promise<RunningApp>;
  close(): Promise<void>;
}

interface OrderServiceEnv {
  DATABASE_URL: string;
  KAFKA_BROKERS: string;
  AUTH_JWKS_URL: string;
  PRODUCT_SERVICE_URL: string;
  CART_SERVICE_URL: string;
  PAYMENT_SERVICE_URL: string;
}

export async function startStack(servers: { postgresUrl: string; redisUrl: string; kafkaBrokers: string }): Promise<Stack> {
  const auth = await startAuthService(servers.postgresUrl);
  const adminToken = await auth.adminToken();
  const products = await startProductService({
    postgresUrl: servers.postgresUrl,
    kafkaBrokers: servers.kafkaBrokers,
    jwksUrl: auth.jwksUrl,
    adminToken: async () => adminToken,
  });
  const cart = await startCartService({ REDIS_URL: servers.redisUrl, AUTH_JWKS_URL: auth.jwksUrl, PRODUCT_SERVICE_URL: products.url });
  // A little latency widens the window in which concurrent duplicates overlap.
  const payments = await startPaymentService(0, 100);
  const decliningPayments = await startPaymentService(1);
  const database = await createTestDatabase(servers.postgresUrl, 'order_test');
  await applyMigrations({ url: database.url, migrationsFolder: new URL('../drizzle/', import.meta.url).pathname });

  const baseEnv: OrderServiceEnv = {
    DATABASE_URL: database.url,
    KAFKA_BROKERS: servers.kafkaBrokers,
    AUTH_JWKS_URL: auth.jwksUrl,
    PRODUCT_SERVICE_URL: products.url,
    CART_SERVICE_URL: cart.url,
    PAYMENT_SERVICE_URL: payments.url,
  };
  const started: App[] = [];
  const startOrderService = async (overrides: Partial<OrderServiceEnv> = {}): Promise<RunningApp> => {
    const { app } = await buildApp({ env: { ...baseEnv, ...overrides, LOG_LEVEL: 'warn' } });
    started.push(app);
    return { app, url: await listenOnFreePort(app) };
  };
  const orders = await startOrderService();
  const ordersDeclined = await startOrderService({ PAYMENT_SERVICE_URL: decliningPayments.url });

  return {
    auth,
    products,
    cart,
    payments,
    decliningPayments,
    database,
    orders,
    ordersDeclined,
    startOrderService,
    async close() {
      await Promise.all(started.map((app) => app.close()));
      await Promise.all([payments.app.close(), decliningPayments.app.close(), cart.close()]);
      await database.drop();
      await products.close();
      await auth.close();
    },
  };
}

/** Puts `lines` into the user's cart through cart-service. */
export async function fillCart(cartUrl: string, token: string, lines: { productId: string; quantity: number }[]): Promise<void> {
  for (const { productId, quantity } of lines) {
    const answer = await call(cartUrl, 'PUT', `/items/${productId}`, { token, body: { quantity } });
    if (answer.status !== 200) throw new Error(`cart PUT ${productId} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
}
