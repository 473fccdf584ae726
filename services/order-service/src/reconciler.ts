// Ends what requests left unfinished. Every interval, on every replica (each step is idempotent):
// - orders pending for longer than the grace period (payment-service timed out, the service
//   restarted mid-order) are completed by asking payment-service with the same key: the charge
//   made before, or a new one;
// - orders still pending at the deadline are cancelled (their key voided, so never charged
//   later) and their stock goes back; while payment-service cannot answer, they wait;
// - ended orders whose stock release failed are released again.
import type { Order, OrderRepository } from './orders.ts';
import type { Settlement } from './settlement.ts';

export interface ReconcilerOptions {
  orders: OrderRepository;
  settlement: Settlement;
  intervalMs: number;
  /** A pending order younger than this is left to the request placing it. */
  graceMs: number;
  /** A pending order older than this is cancelled. */
  deadlineMs: number;
  log: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void };
  batchSize?: number;
}

export interface Reconciler {
  /** One pass (tests call it directly); resolves when done. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

export function startReconciler(options: ReconcilerOptions): Reconciler {
  const { orders, settlement, log } = options;
  const batch = options.batchSize ?? 50;

  const settleOne = async (order: Order): Promise<void> => {
    try {
      const age = Date.now() - order.createdAt.getTime();
      const ended =
        age >= options.deadlineMs
          ? await settlement.cancel(order, `no payment outcome within ${Math.round(options.deadlineMs / 1000)} s`)
          : await settlement.complete(order, { onRefusal: 'cancel' });
      if (ended.status !== 'pending') log.info({ orderId: order.id, status: ended.status }, 'reconciled a pending order');
    } catch (error) {
      log.warn({ err: error, orderId: order.id }, 'could not reconcile the order yet');
    }
  };

  async function runOnce(): Promise<void> {
    for (const order of await orders.pendingSince(new Date(Date.now() - options.graceMs), batch)) await settleOne(order);
    for (const order of await orders.awaitingRelease(batch)) await settlement.releaseStock(order);
  }

  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = runOnce()
      .catch((error: unknown) => log.warn({ err: error }, 'reconciliation pass failed'))
      .finally(() => {
        running = undefined;
      });
  }, options.intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
