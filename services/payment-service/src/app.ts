// payment-service: charges with configurable latency and failure rate, idempotent by key, kept in
// Redis so that restarts and replicas never charge a key twice.
import { Counter } from 'prom-client';
import { ConfigError, buildService, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { connectRedis } from '@shopmesh/service-kit/redis';
import { createCallerCheck } from './caller.ts';
import { ChargeLedger } from './charges.ts';
import { paymentConfigSchema } from './config.ts';
import { registerPaymentRoutes } from './routes.ts';

export const paymentService = defineService({
  name: 'payment-service',
  port: 3009,
  config: paymentConfigSchema,
  setup(service) {
    const { app, config, metrics } = service;
    // Before anything is opened: a refused start leaves no connection behind.
    if (!config.PAYMENT_CALLER_TOKEN && !config.PAYMENT_CALLER_IDENTITY) {
      throw new ConfigError(['set PAYMENT_CALLER_TOKEN or PAYMENT_CALLER_IDENTITY: payment-service never charges for just anyone']);
    }
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
    const caller = createCallerCheck({ token: config.PAYMENT_CALLER_TOKEN, identity: config.PAYMENT_CALLER_IDENTITY });
    registerPaymentRoutes(app, ledger, charges, caller);
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(paymentService, options);
