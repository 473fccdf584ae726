// Charges at payment-service. The order id is the idempotency key: charging an order twice
// returns the first charge's result and moves no money.
import { DependencyUnavailableError, createHttpClient } from '@shopmesh/service-kit';

export interface ChargeOutcome {
  status: 'paid' | 'payment_failed';
  paymentId?: string;
}

export interface PaymentClient {
  charge(orderId: string, amount: number): Promise<ChargeOutcome>;
  check(): Promise<void>;
}

interface ChargeBody {
  id?: unknown;
  status?: unknown;
}

export function createPaymentClient(baseUrl: string, timeoutMs: number): PaymentClient {
  const client = createHttpClient({ name: 'payment-service', baseUrl, timeoutMs });
  return {
    async charge(orderId, amount) {
      const response = await client.request<ChargeBody>('POST', '/charges', {
        body: { orderId, amount },
        headers: { 'idempotency-key': orderId },
      });
      const paymentId = typeof response.body?.id === 'string' ? response.body.id : undefined;
      if ((response.status === 200 || response.status === 201) && response.body?.status === 'succeeded') {
        return { status: 'paid', ...(paymentId ? { paymentId } : {}) };
      }
      if (response.status === 402) return { status: 'payment_failed', ...(paymentId ? { paymentId } : {}) };
      throw new DependencyUnavailableError(
        'payment-service',
        new Error(`POST /charges answered ${response.status}: ${JSON.stringify(response.body)}`),
      );
    },
    async check() {
      const response = await client.get('/healthz');
      if (response.status !== 200) throw new Error(`payment-service /healthz answered ${response.status}`);
    },
  };
}
