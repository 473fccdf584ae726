// product-service: the catalogue. v1 reads PostgreSQL; v2 (SERVICE_VERSION=v2, same code) reads
// through a Redis cache. Changes are published to `product-events` through an outbox.
import { ConfigError, buildService, createAuthGuard, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { connectPostgres } from '@shopmesh/service-kit/db';
import { TOPICS } from '@shopmesh/service-kit/kafka';
import { startOutbox } from '@shopmesh/service-kit/outbox';
import { createRedis } from '@shopmesh/service-kit/redis';
import { createProductCache, type ProductCache } from './cache.ts';
import { productConfigSchema } from './config.ts';
import { schema } from './db/schema.ts';
import { registerInternalRoutes } from './internal-routes.ts';
import { registerProductRoutes } from './routes.ts';

export const productService = defineService({
  name: 'product-service',
  port: 3002,
  config: productConfigSchema,
  async setup(service) {
    const { app, config, log, onClose } = service;
    const cacheReads = config.SERVICE_VERSION === 'v2';
    if (cacheReads && !config.REDIS_URL) {
      throw new ConfigError(['missing required environment variable REDIS_URL (product-service v2 caches in Redis)']);
    }

    const postgres = connectPostgres(service, config.DATABASE_URL, schema);
    const outbox = startOutbox(service, {
      db: postgres.db,
      brokers: config.KAFKA_BROKERS,
      clientId: `product-service-${config.SERVICE_VERSION}`,
      topics: [TOPICS.productEvents],
    });

    let cache: ProductCache | undefined;
    if (config.REDIS_URL) {
      const redis = createRedis(config.REDIS_URL, log);
      cache = createProductCache(redis.redis, config.PRODUCT_CACHE_TTL_SECONDS, log);
      onClose(redis.close);
    }

    registerProductRoutes(app, {
      db: postgres.db,
      guard: createAuthGuard({ jwksUrl: config.AUTH_JWKS_URL }),
      ...(cacheReads ? { readCache: cache } : {}),
      invalidationCache: cache,
      onEventQueued: outbox.wake,
    });
    registerInternalRoutes(app, { db: postgres.db, invalidationCache: cache, onEventQueued: outbox.wake });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(productService, options);
