import { Type, hostListVar, urlVar } from '@shopmesh/service-kit';

export const statsConfigSchema = Type.Object({
  DATABASE_URL: urlVar(['postgres', 'postgresql']),
  KAFKA_BROKERS: hostListVar(),
  AUTH_JWKS_URL: urlVar(['http', 'https']),
  // Overridable so tests can use topics and a consumer group of their own.
  ORDER_EVENTS_TOPIC: Type.String({ minLength: 1, default: 'order-events' }),
  REVIEW_EVENTS_TOPIC: Type.String({ minLength: 1, default: 'review-events' }),
  KAFKA_GROUP_ID: Type.String({ minLength: 1, default: 'stats-service' }),
});
