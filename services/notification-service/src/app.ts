// notification-service: a notification per order event, listed to the order's user.
import { buildService, createAuthGuard, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { consumeEvents } from '@shopmesh/service-kit/kafka';
import { connectRedis } from '@shopmesh/service-kit/redis';
import { notificationConfigSchema } from './config.ts';
import { createNotificationEventHandler } from './consumer.ts';
import { createNotificationStore } from './notifications.ts';
import { registerNotificationRoutes } from './routes.ts';

export const notificationService = defineService({
  name: 'notification-service',
  port: 3008,
  config: notificationConfigSchema,
  async setup(service) {
    const { app, config, log } = service;
    const redis = connectRedis(service, config.REDIS_URL);
    const store = createNotificationStore(redis.redis, {
      keptPerUser: config.NOTIFICATIONS_KEPT_PER_USER,
      dedupeTtlSeconds: config.EVENT_DEDUPE_TTL_SECONDS,
    });

    await consumeEvents(service, {
      brokers: config.KAFKA_BROKERS,
      clientId: 'notification-service',
      groupId: config.KAFKA_GROUP_ID,
      topics: [config.ORDER_EVENTS_TOPIC],
      handle: createNotificationEventHandler(store, log),
    });

    registerNotificationRoutes(app, { store, guard: createAuthGuard({ jwksUrl: config.AUTH_JWKS_URL }) });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(notificationService, options);
