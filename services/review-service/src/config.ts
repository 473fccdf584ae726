import { Type, hostListVar, urlVar } from '@shopmesh/service-kit';

export const reviewConfigSchema = Type.Object({
  DATABASE_URL: urlVar(['postgres', 'postgresql']),
  KAFKA_BROKERS: hostListVar(),
  AUTH_JWKS_URL: urlVar(['http', 'https']),
  PRODUCT_SERVICE_URL: urlVar(['http', 'https']),
});
