import { Type, hostListVar, topicVar, urlVar } from '@shopmesh/service-kit';
import { TOPICS } from '@shopmesh/service-kit/kafka';

/** What the reindex command needs as well as the service. */
export const indexConfigSchema = Type.Object({
  ELASTICSEARCH_URL: urlVar(['http', 'https']),
  // Where the index is filled from when it is rebuilt (missing or empty at start-up, `reindex`).
  PRODUCT_SERVICE_URL: urlVar(['http', 'https']),
  // Overridable so tests can use an index, a topic and a consumer group of their own.
  ELASTICSEARCH_INDEX: Type.String({ pattern: '^[a-z0-9][a-z0-9_.-]*$', default: 'products', description: 'a lower-case index name' }),
});

export const searchConfigSchema = Type.Object({
  ...indexConfigSchema.properties,
  KAFKA_BROKERS: hostListVar(),
  PRODUCT_EVENTS_TOPIC: topicVar(TOPICS.productEvents),
  KAFKA_GROUP_ID: Type.String({ minLength: 1, default: 'search-service' }),
});
