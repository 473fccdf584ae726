// product-service's image (the kit's container checks): v1 and v2 containers against the real
// PostgreSQL, Kafka and Redis, with a real auth-service's JWKS; v2 also checks Redis.
import * as assert from 'uvu/assert';
import { imageSuite } from '@shopmesh/service-kit/testing-docker';
import { startAuthService } from '@shopmesh/auth-service/testing';

imageSuite({
  service: 'product-service',
  needs: ['POSTGRES_URL', 'KAFKA_BROKERS', 'REDIS_URL'],
  hasDatabase: true,
  misconfigured: { mentions: ['DATABASE_URL', 'KAFKA_BROKERS', 'AUTH_JWKS_URL'] },
  async dependencies({ servers, databaseUrl }) {
    const auth = await startAuthService(servers.POSTGRES_URL);
    return {
      env: { DATABASE_URL: databaseUrl!, KAFKA_BROKERS: servers.KAFKA_BROKERS, AUTH_JWKS_URL: auth.jwksUrl, REDIS_URL: servers.REDIS_URL },
      close: () => auth.close(),
    };
  },
  containers: [
    { env: { SERVICE_VERSION: 'v1' }, readinessChecks: ['postgres'] },
    { env: { SERVICE_VERSION: 'v2' }, readinessChecks: ['postgres'] },
  ],
  async probe(url) {
    assert.is((await fetch(`${url}/?limit=1`)).status, 200);
  },
});
