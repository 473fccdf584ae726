// stats-service: sales and per-product aggregates built from order and review events.
import { buildService, createAuthGuard, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { createPostgres } from '@shopmesh/service-kit/db';
import { createKafka, ensureTopics, startEventConsumer } from '@shopmesh/service-kit/kafka';
import { statsConfigSchema } from './config.ts';
import { createStatsEventHandler } from './consumer.ts';
import { schema } from './db/schema.ts';
import { registerStatsRoutes } from './routes.ts';

export const statsService = defineService({
  name: 'stats-service',
  port: 3007,
  config: statsConfigSchema,
  async setup({ app, config, log, addReadinessCheck, onClose }) {
    const postgres = createPostgres(config.DATABASE_URL, schema, { log });
    addReadinessCheck('postgres', postgres.check);
    onClose(postgres.close);

    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'stats-service', log });
    const topics = [config.ORDER_EVENTS_TOPIC, config.REVIEW_EVENTS_TOPIC];
    // Created before subscribing when the broker answers; if it does not, the consumer keeps
    // retrying in the background (readiness reports it) until the topics exist.
    await ensureTopics(kafka, topics).catch((error: unknown) => log.warn({ err: error, topics }, 'could not create topics'));
    const consumer = await startEventConsumer({
      kafka,
      groupId: config.KAFKA_GROUP_ID,
      topics,
      log,
      handle: createStatsEventHandler(postgres.db, log),
    });
    addReadinessCheck('kafka', consumer.check);
    onClose(consumer.close);

    registerStatsRoutes(app, { db: postgres.db, guard: createAuthGuard({ jwksUrl: config.AUTH_JWKS_URL }) });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(statsService, options);
