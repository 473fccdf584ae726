// review-service's image (the kit's container checks) against real PostgreSQL and Kafka and a
// real product-service.
import { imageSuite } from '@shopmesh/service-kit/testing-docker';
import { startAuthService } from '@shopmesh/auth-service/testing';
import { startProductService } from '@shopmesh/product-service/testing';

imageSuite({
  service: 'review-service',
  needs: ['POSTGRES_URL', 'KAFKA_BROKERS'],
  hasDatabase: true,
  misconfigured: { mentions: ['DATABASE_URL', 'KAFKA_BROKERS', 'AUTH_JWKS_URL', 'PRODUCT_SERVICE_URL'] },
  async dependencies({ servers, databaseUrl }) {
    const auth = await startAuthService(servers.POSTGRES_URL);
    const products = await startProductService(servers.POSTGRES_URL, { jwksUrl: auth.jwksUrl, kafkaBrokers: servers.KAFKA_BROKERS });
    return {
      env: {
        DATABASE_URL: databaseUrl!,
        KAFKA_BROKERS: servers.KAFKA_BROKERS,
        AUTH_JWKS_URL: auth.jwksUrl,
        PRODUCT_SERVICE_URL: products.url,
      },
      async close() {
        await products.close();
        await auth.close();
      },
    };
  },
  containers: [{ readinessChecks: ['postgres'] }],
});
