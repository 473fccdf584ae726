// The real services an order needs, in-process on free ports: auth, product, cart, payment
// (working and always-declining), and order-service over its own test database.
import type { App } from '@shopmesh/service-kit';
import { applyMigrations } from '@shopmesh/service-kit/db';
import { callJson, createTestDatabase, listenOnFreePort, type TestDatabase } from '@shopmesh/service-kit/testing';
import { startAuthService, type RunningAuthService } from '@shopmesh/auth-service/testing';
import { startCartService, type RunningCartService } from '@shopmesh/cart-service/testing';
import { startPaymentService, type RunningPaymentService } from '@shopmesh/payment-service/testing';
import { startProductService, type RunningProductService } from '@shopmesh/product-service/testing';
import { buildApp } from '../src/app.ts';

export interface TestServers {
  postgresUrl: string;
  redisUrl: string;
  kafkaBrokers: string;
}

/** The services order-service calls. */
export interface Peers {
  auth: RunningAuthService;
  /** An admin's token at `auth`, for creating products. */
  adminToken: string;
  products: RunningProductService;
  cart: RunningCartService;
  payments: RunningPaymentService;
  decliningPayments: RunningPaymentService;
  close(): Promise<void>;
}

export async function startPeers(servers: TestServers): Promise<Peers> {
  const auth = await startAuthService(servers.postgresUrl);
  const products = await startProductService(servers.postgresUrl, { jwksUrl: auth.jwksUrl, kafkaBrokers: servers.kafkaBrokers });
  const cart = await startCartService({ REDIS_URL: servers.redisUrl, AUTH_JWKS_URL: auth.jwksUrl, PRODUCT_SERVICE_URL: products.url });
  // A little latency widens the window in which concurrent duplicates overlap.
  const payments = await startPaymentService({ redisUrl: servers.redisUrl, failureRate: 0, latencyMs: 100 });
  const decliningPayments = await startPaymentService({ redisUrl: servers.redisUrl, failureRate: 1 });
  return {
    auth,
    adminToken: await auth.adminToken(),
    products,
    cart,
    payments,
    decliningPayments,
    async close() {
      await Promise.all([payments.close(), decliningPayments.close(), cart.close()]);
      await products.close();
      await auth.close();
    },
  };
}

export interface RunningApp {
  app: App;
  url: string;
  /** Stops it before the stack (its reconciler with it). */
  close(): Promise<void>;
}

export interface Stack extends Peers {
  database: TestDatabase;
  /** order-service charging at `payments`. */
  orders: RunningApp;
  /** order-service charging at `decliningPayments` (same database). */
  ordersDeclined: RunningApp;
  /** Another order-service over the same database, with some variables replaced (proxies, reconciler timings). */
  startOrderService(overrides?: Partial<OrderServiceEnv>): Promise<RunningApp>;
}

interface OrderServiceEnv {
  DATABASE_URL: string;
  KAFKA_BROKERS: string;
  AUTH_JWKS_URL: string;
  PRODUCT_SERVICE_URL: string;
  CART_SERVICE_URL: string;
  PAYMENT_SERVICE_URL: string;
  PAYMENT_TIMEOUT_MS?: string;
  ORDER_RECONCILE_INTERVAL_MS?: string;
  ORDER_PENDING_GRACE_MS?: string;
  ORDER_PENDING_DEADLINE_MS?: string;
  PAYMENT_CALLER_TOKEN: string;
}

export async function startStack(servers: TestServers): Promise<Stack> {
  const peers = await startPeers(servers);
  const database = await createTestDatabase(servers.postgresUrl, 'order_test');
  await applyMigrations({ url: database.url, migrationsFolder: new URL('../drizzle/', import.meta.url).pathname });

  const baseEnv: OrderServiceEnv = {
    DATABASE_URL: database.url,
    KAFKA_BROKERS: servers.kafkaBrokers,
    AUTH_JWKS_URL: peers.auth.jwksUrl,
    PRODUCT_SERVICE_URL: peers.products.url,
    CART_SERVICE_URL: peers.cart.url,
    PAYMENT_SERVICE_URL: peers.payments.url,
    PAYMENT_CALLER_TOKEN: peers.payments.callerToken,
  };
  const started: App[] = [];
  const startOrderService = async (overrides: Partial<OrderServiceEnv> = {}): Promise<RunningApp> => {
    const { app } = await buildApp({ env: { ...baseEnv, ...overrides, LOG_LEVEL: 'warn' } });
    started.push(app);
    const close = async () => {
      started.splice(started.indexOf(app), 1);
      await app.close();
    };
    return { app, url: await listenOnFreePort(app), close };
  };
  // The reconciler of these two waits long enough never to touch the orders a test is placing.
  const orders = await startOrderService();
  const ordersDeclined = await startOrderService({ PAYMENT_SERVICE_URL: peers.decliningPayments.url });

  return {
    ...peers,
    database,
    orders,
    ordersDeclined,
    startOrderService,
    async close() {
      await Promise.all(started.map((app) => app.close()));
      await database.drop();
      await peers.close();
    },
  };
}

/** Puts `lines` into the user's cart through cart-service. */
export async function fillCart(cartUrl: string, token: string, lines: { productId: string; quantity: number }[]): Promise<void> {
  for (const { productId, quantity } of lines) {
    const answer = await callJson(cartUrl, 'PUT', `/items/${productId}`, { token, body: { quantity } });
    if (answer.status !== 200) throw new Error(`cart PUT ${productId} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  }
}
