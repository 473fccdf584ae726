// Charges, idempotent by key. payment-service has no store (ARCHITECTURE.md): keys live in a
// bounded in-process map, so a replay is recognised while the process lives and the key is among
// the PAYMENT_IDEMPOTENCY_CAPACITY most recent; order-service's own idempotency (the order id,
// stored in order-db) is what protects across payment-service restarts.
import { randomUUID } from 'node:crypto';
import { conflict } from '@shopmesh/service-kit';

export interface ChargeRequest {
  orderId: string;
  amount: number;
}

export interface Charge extends ChargeRequest {
  id: string;
  status: 'succeeded' | 'failed';
  createdAt: string;
}

export interface ChargeOutcome {
  charge: Charge;
  /** True when the key was seen before and this is the stored answer. */
  replayed: boolean;
}

interface Entry {
  request: ChargeRequest;
  charge: Promise<Charge>;
}

export interface ChargeBehaviour {
  latencyMs: number;
  failureRate: number;
  capacity: number;
  /** Injected for tests of the failure rate; Math.random by default. */
  random?: () => number;
}

export class ChargeBook {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly behaviour: ChargeBehaviour) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The charge for this key: a new one, or the one made before (even still in progress: a
   * concurrent retry waits for it and is never charged twice). The same key with another
   * order or amount is a 409.
   */
  async charge(key: string, request: ChargeRequest): Promise<ChargeOutcome> {
    const existing = this.entries.get(key);
    if (existing) {
      if (existing.request.orderId !== request.orderId || existing.request.amount !== request.amount) {
        throw conflict('this Idempotency-Key was used for another charge', 'idempotency_key_reused', 'idempotency-key');
      }
      return { charge: await existing.charge, replayed: true };
    }
    const charge = this.process(request);
    this.entries.set(key, { request, charge });
    this.evictOldest();
    return { charge: await charge, replayed: false };
  }

  private async process(request: ChargeRequest): Promise<Charge> {
    if (this.behaviour.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.behaviour.latencyMs));
    const failed = (this.behaviour.random ?? Math.random)() < this.behaviour.failureRate;
    return {
      id: randomUUID(),
      orderId: request.orderId,
      amount: request.amount,
      status: failed ? 'failed' : 'succeeded',
      createdAt: new Date().toISOString(),
    };
  }

  private evictOldest(): void {
    // Maps iterate in insertion order: the first keys are the oldest.
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.behaviour.capacity) return;
      this.entries.delete(key);
    }
  }
}
