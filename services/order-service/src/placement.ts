// Placing an order: cart -> re-priced items -> pending order -> charge -> paid or payment_failed.
//
// Idempotency: one order per (user, Idempotency-Key), enforced by a unique index. A retry of a
// settled order returns it as it is. A retry that finds the order still pending (a concurrent
// duplicate, or an earlier attempt cut off by an outage) completes it: the charge is keyed by the
// order id, so payment-service charges once however many requests get there.
import { conflict } from '@shopmesh/service-kit';
import { TOPICS } from '@shopmesh/service-kit/kafka';
import { enqueueEvent, type OutboxRelay } from '@shopmesh/service-kit/outbox';
import type { ProductCatalog } from '@shopmesh/service-kit/peers';
import type { CartClient } from './cart.ts';
import { orderEvent, type OrderEventType } from './events.ts';
import type { InTransaction, Order, OrderRepository } from './orders.ts';
import type { PaymentClient } from './payments.ts';
import { priceCart } from './pricing.ts';

export interface PlacementDeps {
  orders: OrderRepository;
  cart: CartClient;
  catalog: ProductCatalog;
  payments: PaymentClient;
  outbox: OutboxRelay;
  log: { warn(obj: object, msg?: string): void };
}

export interface PlacementRequest {
  userId: string;
  idempotencyKey: string;
  /** The user's Authorization header, forwarded to cart-service. */
  authorization: string;
}

export interface Placement {
  order: Order;
  /** False when the key had been seen before (the answer repeats the first one). */
  created: boolean;
}

export function createOrderPlacement(deps: PlacementDeps) {
  const { orders, cart, catalog, payments, outbox, log } = deps;

  // Written with the order's change in one transaction; the outbox relay publishes it.
  const emit =
    (type: OrderEventType): InTransaction =>
    (order, tx) =>
      enqueueEvent(tx, TOPICS.orderEvents, orderEvent(type, order), order.id);

  async function settle(order: Order, authorization: string): Promise<Order> {
    // Nothing to charge for a free order (payment-service takes amounts of 1 cent or more).
    const outcome = order.total === 0 ? { status: 'paid' as const } : await payments.charge(order.id, order.total);
    const event = outcome.status === 'paid' ? 'order.paid' : 'order.payment_failed';
    const settled = await orders.settle(order.id, outcome, emit(event));
    // Undefined: a concurrent request for the same key settled it first (with the same charge).
    if (!settled) return (await orders.findById(order.id)) ?? order;
    outbox.wake();
    if (settled.status === 'paid') {
      // The order is paid whatever happens here; a cart left full is the lesser harm.
      await cart
        .clear(authorization)
        .catch((error: unknown) => log.warn({ err: error, orderId: order.id }, 'could not empty the cart'));
    }
    return settled;
  }

  const resume = async (existing: Order, authorization: string): Promise<Placement> => ({
    order: existing.status === 'pending' ? await settle(existing, authorization) : existing,
    created: false,
  });

  return async function placeOrder(request: PlacementRequest): Promise<Placement> {
    const { userId, idempotencyKey, authorization } = request;
    const existing = await orders.findByKey(userId, idempotencyKey);
    if (existing) return resume(existing, authorization);

    const lines = await cart.lines(authorization);
    if (lines.length === 0) {
      // A concurrent duplicate may have placed the order and emptied the cart since the look-up.
      const placedMeanwhile = await orders.findByKey(userId, idempotencyKey);
      if (placedMeanwhile) return resume(placedMeanwhile, authorization);
      throw conflict('the cart is empty', 'empty_cart');
    }
    const { items, total } = await priceCart(lines, catalog);

    const pending = await orders.insertPending({ userId, idempotencyKey, items, total }, emit('order.created'));
    if (!pending) {
      // A concurrent duplicate inserted first; the unique index made this insert wait for it.
      const winner = await orders.findByKey(userId, idempotencyKey);
      if (!winner) throw new Error(`order with key ${idempotencyKey} vanished after a conflicting insert`);
      return resume(winner, authorization);
    }
    outbox.wake();
    return { order: await settle(pending, authorization), created: true };
  };
}

export type PlaceOrder = ReturnType<typeof createOrderPlacement>;
