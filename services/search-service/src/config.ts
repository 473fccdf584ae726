import { Type, hostListVar, topicVar, urlVar } from '@shopmesh/service-kit';
import { TOPICS } from '@shopmesh/service-kit/kafka';

export const searchConfigSchema = Type.Object({
  ELASTICSEARCH_URL: urlVar(['http', 'https']),
  KAFKA_BROKERS: hostListVar(),
  // Overridable so tests can use an index, a topic and a consumer group of their own.
  ELASTICSEARCH_INDEX: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]*$', default: 'products', description: 'a lower-case index name' }),
  PRODUCT_EVENTS_TOPIC: topicVar(TOPICS.productEvents),
  KAFKA_GROUP_ID: Type.String({ minLength: 1, default: 'search-service' }),
});
