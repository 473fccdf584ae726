// payment-service: charges with configurable latency and failure rate, idempotent by key, kept in
// Redis so that restarts and replicas never charge a key twice.
import { Counter } from 'prom-client';
import { buildService, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { connectRedis } from '@shopmesh/service-kit/redis';
import { ChargeLedger } from './charges.ts';
import { paymentConfigSchema } from './config.ts';
import { registerPaymentRoutes } from './routes.ts';

export const paymentService = defineService({
  name: 'payment-service',
  port: 3009,
  config: paymentConfigSchema,
  setup(service) {
    const { app, config, metrics } = service;
    const redis = connectRedis(service, config.REDIS_URL);
    const ledger = new ChargeLedger(redis.redis, {
      latencyMs: config.PAYMENT_LATENCY_MS,
      failureRate: config.PAYMENT_FAILURE_RATE,
      ttlSeconds: config.PAYMENT_IDEMPOTENCY_TTL_SECONDS,
      keyPrefix: config.PAYMENT_KEY_PREFIX,
    });
    const charges = new Counter({
      name: 'payment_charges_total',
      help: 'New charges (replays excluded), by outcome',
      labelNames: ['status'] as const,
      registers: [metrics],
    });
    registerPaymentRoutes(app, ledger, charges);
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(paymentService, options);
