import { Type, hostListVar, urlVar } from '@shopmesh/service-kit';

export const productConfigSchema = Type.Object({
  DATABASE_URL: urlVar(['postgres', 'postgresql']),
  KAFKA_BROKERS: hostListVar(),
  AUTH_JWKS_URL: urlVar(['http', 'https']),
  // Required by v2 (its read-through cache); when v1 has it too, v1's writes invalidate v2's cache.
  REDIS_URL: Type.Optional(urlVar(['redis', 'rediss'])),
  PRODUCT_CACHE_TTL_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 60 }),
});
