// stats-service's image (the kit's container checks) against the real PostgreSQL and Kafka.
import * as assert from 'uvu/assert';
import { uniqueSuffix } from '@shopmesh/service-kit/testing';
import { imageSuite } from '@shopmesh/service-kit/testing-docker';

imageSuite({
  service: 'stats-service',
  needs: ['KAFKA_BROKERS'],
  hasDatabase: true,
  misconfigured: { mentions: ['DATABASE_URL', 'KAFKA_BROKERS', 'AUTH_JWKS_URL'] },
  async dependencies({ servers, databaseUrl }) {
    const suffix = uniqueSuffix();
    return {
      env: {
        DATABASE_URL: databaseUrl!,
        KAFKA_BROKERS: servers.KAFKA_BROKERS,
        // Only fetched to verify a token; the public route below needs none.
        AUTH_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json',
        ORDER_EVENTS_TOPIC: `order-events-image-${suffix}`,
        REVIEW_EVENTS_TOPIC: `review-events-image-${suffix}`,
        KAFKA_GROUP_ID: `stats-image-${suffix}`,
      },
    };
  },
  containers: [{ readinessChecks: ['postgres'] }],
  async probe(url) {
    const product = await fetch(`${url}/products/unknown-product`);
    assert.equal(await product.json(), { productId: 'unknown-product', sold: 0, revenue: 0, ratingCount: 0, ratingAverage: 0 });
  },
});
