// review-service: one review per user and product, announced on review-events.
import { buildService, createAuthGuard, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { connectPostgres } from '@shopmesh/service-kit/db';
import { TOPICS } from '@shopmesh/service-kit/kafka';
import { startOutbox } from '@shopmesh/service-kit/outbox';
import { createProductCatalog } from '@shopmesh/service-kit/peers';
import { reviewConfigSchema } from './config.ts';
import { schema } from './db/schema.ts';
import { createReviewRepository } from './reviews.ts';
import { registerReviewRoutes } from './routes.ts';

export const reviewService = defineService({
  name: 'review-service',
  port: 3005,
  config: reviewConfigSchema,
  async setup(service) {
    const { app, config } = service;
    const postgres = connectPostgres(service, config.DATABASE_URL, schema);
    const outbox = startOutbox(service, {
      db: postgres.db,
      brokers: config.KAFKA_BROKERS,
      clientId: 'review-service',
      topics: [TOPICS.reviewEvents],
    });

    const catalog = createProductCatalog(config.PRODUCT_SERVICE_URL);

    registerReviewRoutes(app, {
      reviews: createReviewRepository(postgres.db),
      catalog,
      outbox,
      guard: createAuthGuard({ jwksUrl: config.AUTH_JWKS_URL }),
    });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(reviewService, options);
