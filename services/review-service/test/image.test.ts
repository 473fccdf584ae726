// review-service's image against real PostgreSQL and Kafka and a real product-service (see
// cart-service's image-checks.ts).
import { server } from '@shopmesh/testkit';
import { startAuthService } from '@shopmesh/auth-service/testing';
import { imageSuite, startProductService } from '@shopmesh/cart-service/testing';

imageSuite({
  service: 'review-service',
  requiredVars: ['DATABASE_URL', 'KAFKA_BROKERS', 'AUTH_JWKS_URL', 'PRODUCT_SERVICE_URL'],
  readinessChecks: ['postgres', 'kafka', 'product-service'],
  hasDatabase: true,
  async dependencies(databaseUrl) {
    const auth = await startAuthService(server('POSTGRES_URL')!);
    const products = await startProductService({
      postgresUrl: server('POSTGRES_URL')!,
      kafkaBrokers: server('KAFKA_BROKERS')!,
      jwksUrl: auth.jwksUrl,
      adminToken: () => auth.adminToken(),
    });
    return {
      env: {
        DATABASE_URL: databaseUrl!,
        KAFKA_BROKERS: server('KAFKA_BROKERS')!,
        AUTH_JWKS_URL: auth.jwksUrl,
        PRODUCT_SERVICE_URL: products.url,
      },
      async close() {
        await products.close();
        await auth.close();
      },
    };
  },
});
