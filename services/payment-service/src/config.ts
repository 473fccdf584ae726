import { Type, urlVar } from '@shopmesh/service-kit';

export const paymentConfigSchema = Type.Object({
  /** Where charges and idempotency keys are kept: restart-safe and shared by every replica. */
  REDIS_URL: urlVar(['redis', 'rediss']),
  /** Prefix of this service's keys in Redis (the instance is shared with other services). */
  PAYMENT_KEY_PREFIX: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9:_-]+$', default: 'payment-service:' }),
  /** How long an idempotency key and its charge are kept (7 days). */
  PAYMENT_IDEMPOTENCY_TTL_SECONDS: Type.Integer({ minimum: 3_600, default: 7 * 24 * 3_600 }),
  /** Added to every new charge, for experiments. */
  PAYMENT_LATENCY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }),
  /** Share of new charges that fail, 0..1, for experiments. */
  PAYMENT_FAILURE_RATE: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  /** The token order-service sends (from the Secret payment-caller-credentials). */
  PAYMENT_CALLER_TOKEN: Type.Optional(Type.String({ minLength: 32, maxLength: 200, description: 'a token of at least 32 characters' })),
  /** The caller's mesh identity, trusted from the sidecar's X-Forwarded-Client-Cert. */
  PAYMENT_CALLER_IDENTITY: Type.Optional(Type.String({ pattern: '^spiffe://[^\\s;,]+$', description: 'a SPIFFE id' })),
});
