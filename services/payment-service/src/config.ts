import { Type } from '@shopmesh/service-kit';

export const paymentConfigSchema = Type.Object({
  /** Added to every new charge, for experiments. */
  PAYMENT_LATENCY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0 }),
  /** Share of new charges that fail, 0..1, for experiments. */
  PAYMENT_FAILURE_RATE: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  /** How many idempotency keys are remembered (the oldest are forgotten first). */
  PAYMENT_IDEMPOTENCY_CAPACITY: Type.Integer({ minimum: 1, default: 100_000 }),
});
