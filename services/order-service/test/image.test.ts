// order-service's image (the kit's container checks) against real PostgreSQL and Kafka and real
// cart, product and payment services.
import { imageSuite } from '@shopmesh/service-kit/testing-docker';
import { startPeers } from './support.ts';

imageSuite({
  service: 'order-service',
  needs: ['POSTGRES_URL', 'REDIS_URL', 'KAFKA_BROKERS'],
  hasDatabase: true,
  misconfigured: {
    mentions: ['DATABASE_URL', 'KAFKA_BROKERS', 'AUTH_JWKS_URL', 'PRODUCT_SERVICE_URL', 'CART_SERVICE_URL', 'PAYMENT_SERVICE_URL'],
  },
  async dependencies({ servers, databaseUrl }) {
    const peers = await startPeers({ postgresUrl: servers.POSTGRES_URL, redisUrl: servers.REDIS_URL, kafkaBrokers: servers.KAFKA_BROKERS });
    return {
      env: {
        DATABASE_URL: databaseUrl!,
        KAFKA_BROKERS: servers.KAFKA_BROKERS,
        AUTH_JWKS_URL: peers.auth.jwksUrl,
        PRODUCT_SERVICE_URL: peers.products.url,
        CART_SERVICE_URL: peers.cart.url,
        PAYMENT_SERVICE_URL: peers.payments.url,
      },
      close: () => peers.close(),
    };
  },
  containers: [{ readinessChecks: ['postgres'] }],
});
