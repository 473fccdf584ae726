import { Type, hostListVar, topicVar, urlVar } from '@shopmesh/service-kit';
import { TOPICS } from '@shopmesh/service-kit/kafka';

export const notificationConfigSchema = Type.Object({
  REDIS_URL: urlVar(['redis', 'rediss']),
  KAFKA_BROKERS: hostListVar(),
  AUTH_JWKS_URL: urlVar(['http', 'https']),
  // Overridable so tests can use a topic and a consumer group of their own.
  ORDER_EVENTS_TOPIC: topicVar(TOPICS.orderEvents),
  KAFKA_GROUP_ID: Type.String({ minLength: 1, default: 'notification-service' }),
  NOTIFICATIONS_KEPT_PER_USER: Type.Integer({ minimum: 1, maximum: 10_000, default: 200 }),
  /** How long an event id is remembered to drop redeliveries (Kafka redelivers within minutes). */
  EVENT_DEDUPE_TTL_SECONDS: Type.Integer({ minimum: 60, default: 7 * 24 * 3600 }),
});
