// Charges, idempotent by key, recorded in Redis (under the service's own key prefix) so that a
// restarted payment-service, or another replica, answers a retry with the charge already made.
//
// A charge exists once its record is written, and it is written with SET NX: of concurrent
// attempts with one key (two replicas, a retry racing the first try) exactly one record wins and
// every attempt answers with it. A void (order-service giving up on a pending order) is a record
// too, written the same way: a key is either charged or voided, never both, whatever the order
// in which the two requests arrive.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
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

export interface Void {
  orderId: string;
  status: 'voided';
  voidedAt: string;
}

type ChargeRecord = { kind: 'charge'; charge: Charge } | { kind: 'void'; void: Void };

export interface ChargeOutcome {
  charge: Charge;
  /** True when the key was seen before and this is the stored answer. */
  replayed: boolean;
}

export interface ChargeBehaviour {
  latencyMs: number;
  failureRate: number;
  /** How long a key is remembered (longer than any retry or reconciliation of an order). */
  ttlSeconds: number;
  /** Prefix of every key this service writes (`payment-service:`). */
  keyPrefix: string;
  /** Injected for tests of the failure rate; Math.random by default. */
  random?: () => number;
}

const keyReused = () => conflict('this Idempotency-Key was used for another charge', 'idempotency_key_reused', 'idempotency-key');

export class ChargeLedger {
  constructor(
    private readonly redis: Redis,
    private readonly behaviour: ChargeBehaviour,
  ) {}

  private key(idempotencyKey: string): string {
    return `${this.behaviour.keyPrefix}charge:${idempotencyKey}`;
  }

  private async read(idempotencyKey: string): Promise<ChargeRecord | undefined> {
    const text = await this.redis.get(this.key(idempotencyKey));
    return text === null ? undefined : (JSON.parse(text) as ChargeRecord);
  }

  /** Writes the record unless the key has one; the record the key holds afterwards. */
  private async record(idempotencyKey: string, record: ChargeRecord): Promise<{ record: ChargeRecord; written: boolean }> {
    const written = await this.redis.set(this.key(idempotencyKey), JSON.stringify(record), 'EX', this.behaviour.ttlSeconds, 'NX');
    if (written === 'OK') return { record, written: true };
    const existing = await this.read(idempotencyKey);
    // Only an expiry between the two commands could empty it: then ours is as good as any.
    if (!existing) return this.record(idempotencyKey, record);
    return { record: existing, written: false };
  }

  private replay(record: ChargeRecord, request: ChargeRequest): ChargeOutcome {
    if (record.kind === 'void') {
      if (record.void.orderId !== request.orderId) throw keyReused();
      throw conflict(`the charge for order ${request.orderId} was voided`, 'charge_voided', 'idempotency-key');
    }
    if (record.charge.orderId !== request.orderId || record.charge.amount !== request.amount) throw keyReused();
    return { charge: record.charge, replayed: true };
  }

  /**
   * The charge for this key: a new one, or the one made before (by this process or another). The
   * same key with another order or amount is a 409, and so is a key that was voided.
   */
  async charge(idempotencyKey: string, request: ChargeRequest): Promise<ChargeOutcome> {
    const existing = await this.read(idempotencyKey);
    if (existing) return this.replay(existing, request);
    const attempt = await this.process(request);
    const { record, written } = await this.record(idempotencyKey, { kind: 'charge', charge: attempt });
    return written ? { charge: attempt, replayed: false } : this.replay(record, request);
  }

  /** Voids the key unless it was charged: the charge made before, or the void. */
  async void(idempotencyKey: string, orderId: string): Promise<{ result: Charge | Void; voided: boolean }> {
    const { record, written } = await this.record(idempotencyKey, {
      kind: 'void',
      void: { orderId, status: 'voided', voidedAt: new Date().toISOString() },
    });
    const result = record.kind === 'void' ? record.void : record.charge;
    if (result.orderId !== orderId) throw keyReused();
    return { result, voided: written };
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
}
