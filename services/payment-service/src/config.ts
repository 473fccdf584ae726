import { Type } from '@shopmesh/service-kit';

export const paymentConfigSchema = Type.Object({
  /** Added to every new charge, for experiments. */
  PAYMENT_LATENCY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }),
  /** Share of new charges that fail, 0..1, for experiments. */
  PAYMENT_FAILURE_RATE: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  /** How many idempotency keys are remembered (the oldest are forgotten first). */
  PAYMENT_IDEMPOTENCY_CAPACITY: Type.Integer({ minimum: 1, default: 100_000 }),
  /** The token order-service sends (from the Secret payment-caller-credentials). */
  PAYMENT_CALLER_TOKEN: Type.Optional(Type.String({ minLength: 32, maxLength: 200, description: 'a token of at least 32 characters' })),
  /** The caller's mesh identity, trusted from the sidecar's X-Forwarded-Client-Cert. */
  PAYMENT_CALLER_IDENTITY: Type.Optional(Type.String({ pattern: '^spiffe://[^\\s;,]+$', description: 'a SPIFFE id' })),
});
