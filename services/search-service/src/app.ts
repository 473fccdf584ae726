// search-service: full-text search over the products that product-service announces.
import { buildService, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { consumeEvents } from '@shopmesh/service-kit/kafka';
import { searchConfigSchema } from './config.ts';
import { createProductEventHandler } from './consumer.ts';
import { createProductIndex } from './product-index.ts';
import { createReindexer } from './reindex.ts';
import { registerSearchRoutes } from './routes.ts';

export const searchService = defineService({
  name: 'search-service',
  port: 3006,
  config: searchConfigSchema,
  async setup(service) {
    const { app, config, log, addReadinessCheck, onClose } = service;
    // The index refills itself from the catalogue when it had to be created (deleted under us).
    let onCreated = (): void => undefined;
    const index = createProductIndex({ url: config.ELASTICSEARCH_URL, index: config.ELASTICSEARCH_INDEX, onCreated: () => onCreated() });
    addReadinessCheck('elasticsearch', index.check);
    onClose(index.close);
    const reindexer = createReindexer({ index, productServiceUrl: config.PRODUCT_SERVICE_URL, log });
    onCreated = () => void reindexer.trigger('index recreated');
    onClose(reindexer.close);
    // Missing or empty at start-up (a new cluster, a lost volume): filled from product-service.
    // Failing that (Elasticsearch not up yet), the readiness check creates it and triggers the fill.
    void reindexer.ifEmpty().catch((error: unknown) => log.warn({ err: error }, 'product index not checked yet'));

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
