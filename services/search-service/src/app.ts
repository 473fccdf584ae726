// search-service: full-text search over the products that product-service announces.
import { buildService, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { consumeEvents } from '@shopmesh/service-kit/kafka';
import { searchConfigSchema } from './config.ts';
import { createProductEventHandler } from './consumer.ts';
import { createProductIndex } from './product-index.ts';
import { registerSearchRoutes } from './routes.ts';

export const searchService = defineService({
  name: 'search-service',
  port: 3006,
  config: searchConfigSchema,
  async setup(service) {
    const { app, config, log, addReadinessCheck, onClose } = service;
    const index = createProductIndex({ url: config.ELASTICSEARCH_URL, index: config.ELASTICSEARCH_INDEX });
    addReadinessCheck('elasticsearch', index.check);
    onClose(index.close);
    // Created as soon as Elasticsearch answers; failing that, by the next readiness check or event.
    void index.ensure().catch((error: unknown) => log.warn({ err: error }, 'product index not created yet'));

    await consumeEvents(service, {
      brokers: config.KAFKA_BROKERS,
      clientId: 'search-service',
      groupId: config.KAFKA_GROUP_ID,
      topics: [config.PRODUCT_EVENTS_TOPIC],
      handle: createProductEventHandler(index, log),
    });

    registerSearchRoutes(app, { index });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(searchService, options);
