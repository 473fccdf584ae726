// A real payment-service for other services' tests, listening on a free port. Import as
// `@shopmesh/payment-service/testing`.
import { listenOnFreePort } from '@shopmesh/service-kit/testing';
import { buildApp } from '../src/app.ts';

/** The caller token test payment-services accept; give it to order-service as PAYMENT_CALLER_TOKEN. */
export const TEST_CALLER_TOKEN = 'test-caller-token-0123456789abcdef0123';

export interface RunningPaymentService {
  url: string;
  /** What order-service must send (PAYMENT_CALLER_TOKEN). */
  callerToken: string;
  /** New charges made so far (replays of a key excluded), read from the service's own metric. */
  charges(): Promise<number>;
  close(): Promise<void>;
}

/** `failureRate` (0..1) of new charges fail; each new charge takes `latencyMs` (default 0). */
export async function startPaymentService(options: { failureRate: number; latencyMs?: number }): Promise<RunningPaymentService> {
  const { app } = await buildApp({
    env: {
      PAYMENT_FAILURE_RATE: String(options.failureRate),
      PAYMENT_LATENCY_MS: String(options.latencyMs ?? 0),
      LOG_LEVEL: 'warn',
      PAYMENT_CALLER_TOKEN: TEST_CALLER_TOKEN,
    },
  });
  const url = await listenOnFreePort(app);
  return {
    url,
    callerToken: TEST_CALLER_TOKEN,
    async charges() {
      const text = await (await fetch(`${url}/metrics`)).text();
      return [...text.matchAll(/^payment_charges_total\{[^}]*\} (\d+)$/gm)].reduce((sum, [, n]) => sum + Number(n), 0);
    },
    close: () => app.close(),
  };
}
