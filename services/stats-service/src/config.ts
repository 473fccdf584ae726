import { Type, hostListVar, topicVar, urlVar } from '@shopmesh/service-kit';
import { TOPICS } from '@shopmesh/service-kit/kafka';

export const statsConfigSchema = Type.Object({
  DATABASE_URL: urlVar(['postgres', 'postgresql']),
  KAFKA_BROKERS: hostListVar(),
  AUTH_JWKS_URL: urlVar(['http', 'https']),
  // Overridable so tests can use topics and a consumer group of their own.
  ORDER_EVENTS_TOPIC: topicVar(TOPICS.orderEvents),
  REVIEW_EVENTS_TOPIC: topicVar(TOPICS.reviewEvents),
  KAFKA_GROUP_ID: Type.String({ minLength: 1, default: 'stats-service' }),
});
