// order-service: orders placed from the cart, re-priced, stock reserved, charged once, announced
// on order-events; a reconciler ends the orders that requests left pending.
import { buildService, createAuthGuard, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { connectPostgres } from '@shopmesh/service-kit/db';
import { TOPICS } from '@shopmesh/service-kit/kafka';
import { startOutbox } from '@shopmesh/service-kit/outbox';
import { createProductCatalog } from '@shopmesh/service-kit/peers';
import { createCartClient } from './cart.ts';
import { orderConfigSchema } from './config.ts';
import { schema } from './db/schema.ts';
import { createOrderRepository } from './orders.ts';
import { createPaymentClient } from './payments.ts';
import { createOrderPlacement } from './placement.ts';
import { startReconciler } from './reconciler.ts';
import { registerOrderRoutes } from './routes.ts';
import { createSettlement } from './settlement.ts';
import { createStockClient } from './stock.ts';

export const orderService = defineService({
  name: 'order-service',
  port: 3004,
  config: orderConfigSchema,
  async setup(service) {
    const { app, config, log, onClose } = service;
    const postgres = connectPostgres(service, config.DATABASE_URL, schema);
    const outbox = startOutbox(service, {
      db: postgres.db,
      brokers: config.KAFKA_BROKERS,
      clientId: 'order-service',
      topics: [TOPICS.orderEvents],
    });

    const cart = createCartClient(config.CART_SERVICE_URL);
    const catalog = createProductCatalog(config.PRODUCT_SERVICE_URL);
    const stock = createStockClient(config.PRODUCT_SERVICE_URL);
    const payments = createPaymentClient(config.PAYMENT_SERVICE_URL, config.PAYMENT_TIMEOUT_MS);

    const orders = createOrderRepository(postgres.db);
    const settlement = createSettlement({ orders, stock, payments, cart, outbox, log });
    const reconciler = startReconciler({
      orders,
      settlement,
      intervalMs: config.ORDER_RECONCILE_INTERVAL_MS,
      graceMs: config.ORDER_PENDING_GRACE_MS,
      deadlineMs: config.ORDER_PENDING_DEADLINE_MS,
      log,
    });
    // Registered after the pool and the outbox: it stops before them.
    onClose(reconciler.stop);

    registerOrderRoutes(app, {
      orders,
      placeOrder: createOrderPlacement({ orders, cart, catalog, settlement }),
      guard: createAuthGuard({ jwksUrl: config.AUTH_JWKS_URL }),
    });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(orderService, options);
