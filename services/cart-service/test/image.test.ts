// cart-service's image (the kit's container checks) against real Redis and a real product-service.
import { imageSuite } from '@shopmesh/service-kit/testing-docker';
import { startAuthService } from '@shopmesh/auth-service/testing';
import { startProductService } from '@shopmesh/product-service/testing';

imageSuite({
  service: 'cart-service',
  needs: ['POSTGRES_URL', 'REDIS_URL', 'KAFKA_BROKERS'],
  hasDatabase: false,
  misconfigured: { mentions: ['REDIS_URL', 'AUTH_JWKS_URL', 'PRODUCT_SERVICE_URL'] },
  async dependencies({ servers }) {
    const auth = await startAuthService(servers.POSTGRES_URL);
    const products = await startProductService(servers.POSTGRES_URL, { jwksUrl: auth.jwksUrl, kafkaBrokers: servers.KAFKA_BROKERS });
    return {
      env: { REDIS_URL: servers.REDIS_URL, AUTH_JWKS_URL: auth.jwksUrl, PRODUCT_SERVICE_URL: products.url },
      async close() {
        await products.close();
        await auth.close();
      },
    };
  },
  containers: [{ readinessChecks: ['redis'] }],
});
