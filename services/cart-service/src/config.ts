import { Type, urlVar } from '@shopmesh/service-kit';

export const cartConfigSchema = Type.Object({
  REDIS_URL: urlVar(['redis', 'rediss']),
  AUTH_JWKS_URL: urlVar(['http', 'https']),
  PRODUCT_SERVICE_URL: urlVar(['http', 'https']),
  // An untouched cart expires after this long; every change starts the count again.
  CART_TTL_SECONDS: Type.Integer({ minimum: 60, default: 30 * 24 * 3600 }),
});
