// A real payment-service for other services' tests, listening on a free port, its keys under a
// prefix of its own in the test Redis. Import as `@shopmesh/payment-service/testing`.
import type { App } from '@shopmesh/service-kit';
import { listenOnFreePort, uniqueSuffix } from '@shopmesh/service-kit/testing';
import { buildApp } from '../src/app.ts';

/** The caller token test payment-services accept; give it to order-service as PAYMENT_CALLER_TOKEN. */
export const TEST_CALLER_TOKEN = 'test-caller-token-0123456789abcdef0123';

export interface RunningPaymentService {
  url: string;
  /** The prefix of its keys in Redis. */
  keyPrefix: string;
  /** What order-service must send (PAYMENT_CALLER_TOKEN). */
  callerToken: string;
  /** New charges made so far (replays of a key excluded), read from the service's own metric, summed over restarts. */
  charges(): Promise<number>;
  /** Stops the process's app and starts a new one on the same port (nothing kept in memory). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface PaymentOptions {
  redisUrl: string;
  /** Share (0..1) of new charges that fail. */
  failureRate: number;
  /** Each new charge takes this long (default 0). */
  latencyMs?: number;
  /** Shared by instances that must see each other's charges (replicas); a fresh one by default. */
  keyPrefix?: string;
}

async function chargesOf(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^payment_charges_total\{[^}]*\} (\d+)$/gm)].reduce((sum, [, n]) => sum + Number(n), 0);
}

export async function startPaymentService(options: PaymentOptions): Promise<RunningPaymentService> {
  const keyPrefix = options.keyPrefix ?? `payment-test-${uniqueSuffix()}:`;
  const env = {
    REDIS_URL: options.redisUrl,
    PAYMENT_KEY_PREFIX: keyPrefix,
    PAYMENT_FAILURE_RATE: String(options.failureRate),
    PAYMENT_LATENCY_MS: String(options.latencyMs ?? 0),
    LOG_LEVEL: 'warn',
    PAYMENT_CALLER_TOKEN: TEST_CALLER_TOKEN,
  };
  let app: App = (await buildApp({ env })).app;
  const url = await listenOnFreePort(app);
  const port = Number(new URL(url).port);
  let chargedBefore = 0;
  return {
    url,
    keyPrefix,
    callerToken: TEST_CALLER_TOKEN,
    charges: async () => chargedBefore + (await chargesOf(url)),
    async restart() {
      chargedBefore += await chargesOf(url);
      await app.close();
      app = (await buildApp({ env })).app;
      await app.listen({ port, host: '127.0.0.1' });
    },
    close: () => app.close(),
  };
}
