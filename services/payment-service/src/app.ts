// payment-service: charges with configurable latency and failure rate, idempotent by key.
import { Counter } from 'prom-client';
import { buildService, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { ChargeBook } from './charges.ts';
import { paymentConfigSchema } from './config.ts';
import { registerPaymentRoutes } from './routes.ts';

export const paymentService = defineService({
  name: 'payment-service',
  port: 3009,
  config: paymentConfigSchema,
  setup({ app, config, metrics }) {
    const book = new ChargeBook({
      latencyMs: config.PAYMENT_LATENCY_MS,
      failureRate: config.PAYMENT_FAILURE_RATE,
      capacity: config.PAYMENT_IDEMPOTENCY_CAPACITY,
    });
    const charges = new Counter({
      name: 'payment_charges_total',
      help: 'New charges (replays excluded), by outcome',
      labelNames: ['status'] as const,
      registers: [metrics],
    });
    registerPaymentRoutes(app, book, charges);
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(paymentService, options);
