// Charges at payment-service. The order id is the idempotency key: charging an order again
// returns the first charge's result and moves no money; voiding it makes sure it is never charged.
import { createHttpClient } from '@shopmesh/service-kit';
import type { FinalStatus } from './lifecycle.ts';

/** What a charge (or a void) means for the order. */
export interface PaymentOutcome {
  status: FinalStatus;
  paymentId?: string;
  /** Why it did not succeed. */
  failureReason?: string;
}

export interface PaymentClient {
  /** Charges the order; an unreachable or failing payment-service throws (503), leaving the order as it is. */
  charge(orderId: string, amount: number): Promise<PaymentOutcome>;
  /** Makes sure the order is never charged: cancelled, or the outcome of the charge made before. */
  void(orderId: string, reason: string): Promise<PaymentOutcome>;
  /** Readiness: payment-service answers. */
  check(): Promise<void>;
}

interface Charge {
  id: string;
  status: 'succeeded' | 'failed' | 'voided';
}

const isCharge = (body: unknown): body is Charge => {
  const candidate = body as Partial<Charge> | undefined;
  return candidate?.status === 'succeeded' || candidate?.status === 'failed' || candidate?.status === 'voided';
};

const outcomeOf = (charge: Charge, voidReason: string): PaymentOutcome => {
  if (charge.status === 'succeeded') return { status: 'paid', paymentId: charge.id };
  if (charge.status === 'failed') return { status: 'payment_failed', paymentId: charge.id, failureReason: 'the payment was declined' };
  return { status: 'cancelled', failureReason: voidReason };
};

/** payment-service's 4xx: the order cannot be paid as it is; the answer's own words say why. */
function refusal(status: number, body: unknown): PaymentOutcome {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${status}`;
  const message = typeof error?.message === 'string' ? error.message : 'refused';
  // A key voided by a cancellation: the order is being cancelled, not failed.
  if (code === 'charge_voided') return { status: 'cancelled', failureReason: message };
  return { status: 'payment_failed', failureReason: `payment refused (${code}): ${message}`.slice(0, 500) };
}

export function createPaymentClient(baseUrl: string, timeoutMs: number, callerToken: string): PaymentClient {
  const client = createHttpClient({ name: 'payment-service', baseUrl, timeoutMs });
  return {
    async charge(orderId, amount) {
      const response = await client.request('POST', '/charges', {
        body: { orderId, amount },
        headers: { 'idempotency-key': orderId, 'x-payment-caller-token': callerToken },
      });
      if ((response.status === 200 || response.status === 201) && isCharge(response.body)) return outcomeOf(response.body, '');
      // Only 4xx get here: 5xx and timeouts threw (503) in the client.
      return refusal(response.status, response.body);
    },
    async void(orderId, reason) {
      const response = await client.request('POST', '/voids', { body: { orderId }, headers: { 'idempotency-key': orderId, 'x-payment-caller-token': callerToken } });
      if (response.status === 200 && isCharge(response.body)) return outcomeOf(response.body, reason);
      return refusal(response.status, response.body);
    },
    check: client.check,
  };
}
