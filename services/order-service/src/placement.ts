// Placing an order: cart -> re-priced items (total checked against the cap and the client's) ->
// pending order -> stock reserved -> charged -> paid, payment_failed (stock back) or still pending
// when payment-service could not answer (503; a retry or the reconciler finishes it).
//
// Idempotency: one order per (user, Idempotency-Key), enforced by a unique index. A retry of an
// ended order returns it as it is. A retry that finds the order still pending (a concurrent
// duplicate, or an earlier attempt cut off by an outage) completes it: every step is keyed by the
// order id, so it is reserved and charged once however many requests get there.
import { HttpError, MAX_CHARGE_CENTS, conflict } from '@shopmesh/service-kit';
import type { ProductCatalog } from '@shopmesh/service-kit/peers';
import type { CartClient } from './cart.ts';
import type { Order, OrderRepository } from './orders.ts';
import { priceCart } from './pricing.ts';
import type { Settlement } from './settlement.ts';

export interface PlacementDeps {
  orders: OrderRepository;
  cart: CartClient;
  catalog: ProductCatalog;
  settlement: Settlement;
}

export interface PlacementRequest {
  userId: string;
  idempotencyKey: string;
  /** The user's Authorization header, forwarded to cart-service. */
  authorization: string;
  /** The total the client showed the user, in cents: the order is placed only at that total. */
  expectedTotal?: number;
}

export interface Placement {
  order: Order;
  /** False when the key had been seen before (the answer repeats the first one). */
  created: boolean;
}

/** 409: the order would cost something else than what the client showed. */
export class TotalChangedError extends HttpError {
  constructor(
    readonly expectedTotal: number,
    readonly total: number,
  ) {
    super(409, 'total_changed', `the order's total is ${total} cents, not ${expectedTotal}`, 'expectedTotal');
  }
}

export function createOrderPlacement(deps: PlacementDeps) {
  const { orders, cart, catalog, settlement } = deps;

  const resume = async (existing: Order): Promise<Placement> => ({
    order: await settlement.complete(existing, { onRefusal: 'discard' }),
    created: false,
  });

  return async function placeOrder(request: PlacementRequest): Promise<Placement> {
    const { userId, idempotencyKey, authorization } = request;
    const existing = await orders.findByKey(userId, idempotencyKey);
    if (existing) return resume(existing);

    const lines = await cart.lines(authorization);
    if (lines.length === 0) {
      // A concurrent duplicate may have placed the order and emptied the cart since the look-up.
      const placedMeanwhile = await orders.findByKey(userId, idempotencyKey);
      if (placedMeanwhile) return resume(placedMeanwhile);
      throw conflict('the cart is empty', 'empty_cart');
    }
    const { items, total } = await priceCart(lines, catalog);
    if (total > MAX_CHARGE_CENTS) {
      throw conflict(`the order's total of ${total} cents is over the ${MAX_CHARGE_CENTS} a payment may be`, 'total_over_limit', 'total');
    }
    if (request.expectedTotal !== undefined && request.expectedTotal !== total) {
      throw new TotalChangedError(request.expectedTotal, total);
    }

    const pending = await orders.insertPending({ userId, idempotencyKey, items, total });
    if (!pending) {
      // A concurrent duplicate inserted first; the unique index made this insert wait for it.
      const winner = await orders.findByKey(userId, idempotencyKey);
      if (!winner) return placeOrder(request); // it was discarded for lack of stock meanwhile: try afresh
      return resume(winner);
    }
    return { order: await settlement.complete(pending, { onRefusal: 'discard' }), created: true };
  };
}

export type PlaceOrder = ReturnType<typeof createOrderPlacement>;
