// Charges at payment-service. The order id is the idempotency key: charging an order again
// returns the first charge's result and moves no money.
import { createHttpClient } from '@shopmesh/service-kit';

export interface ChargeOutcome {
  status: 'paid' | 'payment_failed';
  paymentId: string;
}

export interface PaymentClient {
  charge(orderId: string, amount: number): Promise<ChargeOutcome>;
  /** Readiness: payment-service answers. */
  check(): Promise<void>;
}

interface Charge {
  id: string;
  status: 'succeeded' | 'failed';
}

const isCharge = (body: unknown): body is Charge => {
  const candidate = body as Partial<Charge> | undefined;
  return typeof candidate?.id === 'string' && (candidate.status === 'succeeded' || candidate.status === 'failed');
};

export function createPaymentClient(baseUrl: string, timeoutMs: number, callerToken: string): PaymentClient {
  const client = createHttpClient({ name: 'payment-service', baseUrl, timeoutMs });
  return {
    async charge(orderId, amount) {
      const response = await client.request('POST', '/charges', {
        body: { orderId, amount },
        headers: { 'idempotency-key': orderId, 'x-payment-caller-token': callerToken },
      });
      // A declined charge is an answer too (201, status failed); anything else is a broken contract.
      if ((response.status === 200 || response.status === 201) && isCharge(response.body)) {
        return { status: response.body.status === 'succeeded' ? 'paid' : 'payment_failed', paymentId: response.body.id };
      }
      throw new Error(`payment-service POST /charges answered ${response.status}: ${JSON.stringify(response.body)}`);
    },
    check: client.check,
  };
}
