// search-service's image (the kit's container checks) against the real Elasticsearch and Kafka;
// the 7.13 client loads in the image and answers a search.
import * as assert from 'uvu/assert';
import { uniqueSuffix } from '@shopmesh/service-kit/testing';
import { imageSuite } from '@shopmesh/service-kit/testing-docker';

imageSuite({
  service: 'search-service',
  needs: ['ELASTICSEARCH_URL', 'KAFKA_BROKERS'],
  hasDatabase: false,
  misconfigured: { mentions: ['ELASTICSEARCH_URL', 'KAFKA_BROKERS'] },
  async dependencies({ servers }) {
    const suffix = uniqueSuffix();
    const index = `products-image-${suffix}`;
    return {
      env: {
        ELASTICSEARCH_URL: servers.ELASTICSEARCH_URL,
        ELASTICSEARCH_INDEX: index,
        KAFKA_BROKERS: servers.KAFKA_BROKERS,
        PRODUCT_EVENTS_TOPIC: `product-events-image-${suffix}`,
        KAFKA_GROUP_ID: `search-image-${suffix}`,
      },
      async close() {
        await fetch(`${servers.ELASTICSEARCH_URL}/${index}`, { method: 'DELETE' }).catch(() => undefined);
      },
    };
  },
  containers: [{ readinessChecks: ['elasticsearch'] }],
  async probe(url) {
    const search = await fetch(`${url}/?q=lamp`);
    assert.equal({ status: search.status, body: await search.json() }, { status: 200, body: { items: [] } });
  },
});
