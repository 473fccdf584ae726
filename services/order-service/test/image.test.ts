// order-service's image against real PostgreSQL and Kafka and real cart, product and payment
// services (see cart-service's image-checks.ts).
import { server } from '@shopmesh/testkit';
import { imageSuite } from '@shopmesh/cart-service/testing';
import { startStack } from './support.ts';

imageSuite({
  service: 'order-service',
  requiredVars: ['DATABASE_URL', 'KAFKA_BROKERS', 'AUTH_JWKS_URL', 'PRODUCT_SERVICE_URL', 'CART_SERVICE_URL', 'PAYMENT_SERVICE_URL'],
  readinessChecks: ['postgres', 'kafka', 'cart-service', 'product-service', 'payment-service'],
  hasDatabase: true,
  async dependencies(databaseUrl) {
    const stack = await startStack({
      postgresUrl: server('POSTGRES_URL')!,
      redisUrl: server('REDIS_URL')!,
      kafkaBrokers: server('KAFKA_BROKERS')!,
    });
    return {
      env: {
        DATABASE_URL: databaseUrl!,
        KAFKA_BROKERS: server('KAFKA_BROKERS')!,
        AUTH_JWKS_URL: stack.auth.jwksUrl,
        PRODUCT_SERVICE_URL: stack.products.url,
        CART_SERVICE_URL: stack.cart.url,
        PAYMENT_SERVICE_URL: stack.payments.url,
      },
      close: () => stack.close(),
    };
  },
});
