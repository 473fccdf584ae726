// stats-service: sales and per-product aggregates built from order and review events.
import { buildService, createAuthGuard, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { connectPostgres } from '@shopmesh/service-kit/db';
import { consumeEvents } from '@shopmesh/service-kit/kafka';
import { statsConfigSchema } from './config.ts';
import { createStatsEventHandler } from './consumer.ts';
import { schema } from './db/schema.ts';
import { registerStatsRoutes } from './routes.ts';

export const statsService = defineService({
  name: 'stats-service',
  port: 3007,
  config: statsConfigSchema,
  async setup(service) {
    const { app, config, log } = service;
    const postgres = connectPostgres(service, config.DATABASE_URL, schema);

    await consumeEvents(service, {
      brokers: config.KAFKA_BROKERS,
      clientId: 'stats-service',
      groupId: config.KAFKA_GROUP_ID,
      topics: [config.ORDER_EVENTS_TOPIC, config.REVIEW_EVENTS_TOPIC],
      handle: createStatsEventHandler(postgres.db, log),
    });

    registerStatsRoutes(app, { db: postgres.db, guard: createAuthGuard({ jwksUrl: config.AUTH_JWKS_URL }) });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(statsService, options);
