// order-service: orders placed from the cart, re-priced, charged once, announced on order-events.
import { buildService, createAuthGuard, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { createPostgres } from '@shopmesh/service-kit/db';
import { createEventProducer, createKafka, ensureTopics } from '@shopmesh/service-kit/kafka';
import { startOutboxRelay } from '@shopmesh/service-kit/outbox';
import { createCartClient } from './cart.ts';
import { orderConfigSchema } from './config.ts';
import { schema } from './db/schema.ts';
import { ORDER_EVENTS_TOPIC } from './events.ts';
import { createOrderRepository } from './orders.ts';
import { createPaymentClient } from './payments.ts';
import { createOrderPlacement } from './placement.ts';
import { createProductCatalog } from './products.ts';
import { registerOrderRoutes } from './routes.ts';

export const orderService = defineService({
  name: 'order-service',
  port: 3004,
  config: orderConfigSchema,
  async setup({ app, config, log, addReadinessCheck, onClose }) {
    const postgres = createPostgres(config.DATABASE_URL, schema, { log });
    addReadinessCheck('postgres', postgres.check);

    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'order-service', log });
    const producer = createEventProducer(kafka);
    addReadinessCheck('kafka', producer.check);
    // In the background: the broker may still be starting; publishing creates the topic anyway.
    ensureTopics(kafka, [ORDER_EVENTS_TOPIC]).catch((error: unknown) =>
      log.warn({ err: error }, `could not create topic ${ORDER_EVENTS_TOPIC} yet`),
    );
    const outbox = startOutboxRelay({ db: postgres.db, producer, log });
    // One hook, in this order: the relay's last batch needs the producer and the pool.
    onClose(async () => {
      await outbox.close();
      await producer.close();
      await postgres.close();
    });

    const cart = createCartClient(config.CART_SERVICE_URL);
    const catalog = createProductCatalog(config.PRODUCT_SERVICE_URL);
    const payments = createPaymentClient(config.PAYMENT_SERVICE_URL, config.PAYMENT_TIMEOUT_MS);
    addReadinessCheck('cart-service', cart.check);
    addReadinessCheck('product-service', catalog.check);
    addReadinessCheck('payment-service', payments.check);

    const orders = createOrderRepository(postgres.db);
    registerOrderRoutes(app, {
      orders,
      placeOrder: createOrderPlacement({ orders, cart, catalog, payments, outbox, log }),
      guard: createAuthGuard({ jwksUrl: config.AUTH_JWKS_URL }),
    });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(orderService, options);
