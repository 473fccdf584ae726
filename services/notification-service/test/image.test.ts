// notification-service's image (the kit's container checks) against the real Redis and Kafka.
import * as assert from 'uvu/assert';
import { uniqueSuffix } from '@shopmesh/service-kit/testing';
import { imageSuite } from '@shopmesh/service-kit/testing-docker';

imageSuite({
  service: 'notification-service',
  needs: ['REDIS_URL', 'KAFKA_BROKERS'],
  hasDatabase: false,
  misconfigured: { mentions: ['REDIS_URL', 'KAFKA_BROKERS', 'AUTH_JWKS_URL'] },
  async dependencies({ servers }) {
    const suffix = uniqueSuffix();
    return {
      env: {
        REDIS_URL: servers.REDIS_URL,
        KAFKA_BROKERS: servers.KAFKA_BROKERS,
        // Only fetched to verify a token; the listing below is refused before that.
        AUTH_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json',
        ORDER_EVENTS_TOPIC: `order-events-image-${suffix}`,
        KAFKA_GROUP_ID: `notification-image-${suffix}`,
      },
    };
  },
  containers: [{ readinessChecks: ['redis'] }],
  async probe(url) {
    assert.is((await fetch(`${url}/`)).status, 401, 'listing needs a token');
  },
});
