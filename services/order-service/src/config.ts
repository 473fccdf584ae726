import { Type, hostListVar, urlVar } from '@shopmesh/service-kit';

export const orderConfigSchema = Type.Object({
  DATABASE_URL: urlVar(['postgres', 'postgresql']),
  KAFKA_BROKERS: hostListVar(),
  AUTH_JWKS_URL: urlVar(['http', 'https']),
  PRODUCT_SERVICE_URL: urlVar(['http', 'https']),
  CART_SERVICE_URL: urlVar(['http', 'https']),
  PAYMENT_SERVICE_URL: urlVar(['http', 'https']),
  // payment-service's latency is configurable for experiments: give it room before a 503.
  PAYMENT_TIMEOUT_MS: Type.Integer({ minimum: 100, default: 10_000 }),
  /** How often the reconciler looks for unfinished orders. */
  ORDER_RECONCILE_INTERVAL_MS: Type.Integer({ minimum: 50, maximum: 3_600_000, default: 15_000 }),
  /** A pending order younger than this is left to the request placing it (keep above PAYMENT_TIMEOUT_MS). */
  ORDER_PENDING_GRACE_MS: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 60_000 }),
  /** A pending order still without a payment outcome this long after it was placed is cancelled. */
  ORDER_PENDING_DEADLINE_MS: Type.Integer({ minimum: 0, maximum: 7 * 86_400_000, default: 15 * 60_000 }),
  // Sent to payment-service, which charges only for its holder (Secret payment-caller-credentials).
  PAYMENT_CALLER_TOKEN: Type.String({ minLength: 32, maxLength: 200, description: 'a token of at least 32 characters' }),
});
