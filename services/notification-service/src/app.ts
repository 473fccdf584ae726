// notification-service: a notification per order event, listed to the order's user.
import { buildService, createAuthGuard, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { createKafka, ensureTopics, startEventConsumer } from '@shopmesh/service-kit/kafka';
import { createRedis } from '@shopmesh/service-kit/redis';
import { notificationConfigSchema } from './config.ts';
import { createNotificationEventHandler } from './consumer.ts';
import { createNotificationStore } from './notifications.ts';
import { registerNotificationRoutes } from './routes.ts';

export const notificationService = defineService({
  name: 'notification-service',
  port: 3008,
  config: notificationConfigSchema,
  async setup({ app, config, log, addReadinessCheck, onClose }) {
    const redis = createRedis(config.REDIS_URL, log);
    addReadinessCheck('redis', redis.check);
    onClose(redis.close);
    const store = createNotificationStore(redis.redis, {
      keptPerUser: config.NOTIFICATIONS_KEPT_PER_USER,
      dedupeTtlSeconds: config.EVENT_DEDUPE_TTL_SECONDS,
    });

    const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'notification-service', log });
    const topics = [config.ORDER_EVENTS_TOPIC];
    // Created before subscribing when the broker answers; if it does not, the consumer keeps
    // retrying in the background (readiness reports it) until the topics exist.
    await ensureTopics(kafka, topics).catch((error: unknown) => log.warn({ err: error, topics }, 'could not create topics'));
    const consumer = await startEventConsumer({
      kafka,
      groupId: config.KAFKA_GROUP_ID,
      topics,
      log,
      handle: createNotificationEventHandler(store, log),
    });
    addReadinessCheck('kafka', consumer.check);
    onClose(consumer.close);

    registerNotificationRoutes(app, { store, guard: createAuthGuard({ jwksUrl: config.AUTH_JWKS_URL }) });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(notificationService, options);
