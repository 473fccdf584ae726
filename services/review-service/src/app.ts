// review-service: one review per user and product, announced on review-events.
import { buildService, createAuthGuard, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { createPostgres } from '@shopmesh/service-kit/db';
import { createEventProducer, createKafka, ensureTopics } from '@shopmesh/service-kit/kafka';
import { startOutboxRelay } from '@shopmesh/service-kit/outbox';
import { reviewConfigSchema } from './config.ts';
import { schema } from './db/schema.ts';
import { REVIEW_EVENTS_TOPIC } from './events.ts';
import { createProductCatalog } from './products.ts';
import { createReviewRepository } from './reviews.ts';
import { registerReviewRoutes } from './routes.ts';

export const reviewService = defineService({
  name: 'review-service',
  port: 3005,
  config: reviewConfigSchema,
  async setup({ app, config, log, addReadinessCheck, onClose }) {
    const postgres = createPostgres(config.DATABASE_URL, schema, { log });
    addReadinessCheck('postgres', postgres.check);

    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'review-service', log });
    const producer = createEventProducer(kafka);
    addReadinessCheck('kafka', producer.check);
    // In the background: the broker may still be starting; publishing creates the topic anyway.
    ensureTopics(kafka, [REVIEW_EVENTS_TOPIC]).catch((error: unknown) =>
      log.warn({ err: error }, `could not create topic ${REVIEW_EVENTS_TOPIC} yet`),
    );
    const outbox = startOutboxRelay({ db: postgres.db, producer, log });
    // One hook, in this order: the relay's last batch needs the producer and the pool.
    onClose(async () => {
      await outbox.close();
      await producer.close();
      await postgres.close();
    });

    const catalog = createProductCatalog(config.PRODUCT_SERVICE_URL);
    addReadinessCheck('product-service', catalog.check);

    registerReviewRoutes(app, {
      reviews: createReviewRepository(postgres.db),
      catalog,
      outbox,
      guard: createAuthGuard({ jwksUrl: config.AUTH_JWKS_URL }),
    });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(reviewService, options);
