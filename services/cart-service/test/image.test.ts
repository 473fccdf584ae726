// cart-service's image against real Redis and a real product-service (see image-checks.ts).
import { server } from '@shopmesh/testkit';
import { startAuthService } from '@shopmesh/auth-service/testing';
import { imageSuite } from './image-checks.ts';
import { startProductService } from './product-fixture.ts';

imageSuite({
  service: 'cart-service',
  requiredVars: ['REDIS_URL', 'AUTH_JWKS_URL', 'PRODUCT_SERVICE_URL'],
  readinessChecks: ['redis', 'product-service'],
  hasDatabase: false,
  async dependencies() {
    const auth = await startAuthService(server('POSTGRES_URL')!);
    const products = await startProductService({
      postgresUrl: server('POSTGRES_URL')!,
      kafkaBrokers: server('KAFKA_BROKERS')!,
      jwksUrl: auth.jwksUrl,
      adminToken: () => auth.adminToken(),
    });
    return {
      env: { REDIS_URL: server('REDIS_URL')!, AUTH_JWKS_URL: auth.jwksUrl, PRODUCT_SERVICE_URL: products.url },
      async close() {
        await products.close();
        await auth.close();
      },
    };
  },
});
