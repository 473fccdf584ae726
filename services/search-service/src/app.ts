// search-service: full-text search over the products that product-service announces.
import { buildService, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { createKafka, ensureTopics, startEventConsumer } from '@shopmesh/service-kit/kafka';
import { searchConfigSchema } from './config.ts';
import { createProductEventHandler } from './consumer.ts';
import { createProductIndex } from './product-index.ts';
import { registerSearchRoutes } from './routes.ts';

export const searchService = defineService({
  name: 'search-service',
  port: 3006,
  config: searchConfigSchema,
  async setup({ app, config, log, addReadinessCheck, onClose }) {
    const index = createProductIndex({ url: config.ELASTICSEARCH_URL, index: config.ELASTICSEARCH_INDEX });
    addReadinessCheck('elasticsearch', index.check);
    onClose(index.close);
    // Created as soon as Elasticsearch answers; failing that, by the next readiness check or event.
    void index.ensure().catch((error: unknown) => log.warn({ err: error }, 'product index not created yet'));

    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'search-service', log });
    const topics = [config.PRODUCT_EVENTS_TOPIC];
    // Created before subscribing when the broker answers; if it does not, the consumer keeps
    // retrying in the background (readiness reports it) until the topics exist.
    await ensureTopics(kafka, topics).catch((error: unknown) => log.warn({ err: error, topics }, 'could not create topics'));
    const consumer = await startEventConsumer({
      kafka,
      groupId: config.KAFKA_GROUP_ID,
      topics,
      log,
      handle: createProductEventHandler(index, log),
    });
    addReadinessCheck('kafka', consumer.check);
    onClose(consumer.close);

    registerSearchRoutes(app, { index });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(searchService, options);
