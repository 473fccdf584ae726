// Taking a pending order to its end: reserve its stock, charge it, record the outcome, then give
// the stock back (payment_failed, cancelled) or take its quantities out of the user's cart (paid). Every
// step is idempotent by order id (product-service's reservations, payment-service's charges and
// voids, the conditional status change), so a retried request, a second replica and the
// reconciler may all work on one order at once: it is reserved once, charged once, ends once.
import { conflict, type HttpError } from '@shopmesh/service-kit';
import { TOPICS } from '@shopmesh/service-kit/kafka';
import { enqueueEvent, type OutboxRelay } from '@shopmesh/service-kit/outbox';
import type { CartClient } from './cart.ts';
import { orderEvent, type OrderEventType } from './events.ts';
import { eventOnReaching, releasesStock } from './lifecycle.ts';
import type { InTransaction, Order, OrderRepository } from './orders.ts';
import type { PaymentClient, PaymentOutcome } from './payments.ts';
import type { StockClient, StockRefusal } from './stock.ts';

export interface SettlementDeps {
  orders: OrderRepository;
  stock: StockClient;
  payments: PaymentClient;
  cart: CartClient;
  outbox: OutboxRelay;
  log: { warn(obj: object, msg?: string): void };
}

export interface CompleteOptions {
  /**
   * When product-service refuses the stock: `discard` the order (the placing request answers 409
   * and nothing stays), or `cancel` it (an order the user has already seen).
   */
  onRefusal: 'discard' | 'cancel';
}

/** The 409 a placement answers when the stock is not there. */
const refused = (refusal: StockRefusal): HttpError => conflict(refusal.message, refusal.code, refusal.field);

export function createSettlement(deps: SettlementDeps) {
  const { orders, stock, payments, cart, outbox, log } = deps;

  // Written with the order's change in one transaction; the outbox relay publishes it.
  const emit =
    (type: OrderEventType): InTransaction =>
    (order, tx) =>
      enqueueEvent(tx, TOPICS.orderEvents, orderEvent(type, order), order.id);

  /** Gives an ended order's stock back, and records it; a failure is left to the reconciler. */
  async function releaseStock(order: Order): Promise<void> {
    try {
      await stock.release(order.id);
      await orders.markStockReleased(order.id);
    } catch (error) {
      log.warn({ err: error, orderId: order.id }, 'could not release the stock yet; the reconciler will');
    }
  }

  async function afterEnd(order: Order): Promise<void> {
    if (releasesStock(order.status)) await releaseStock(order);
    if (order.status === 'paid') {
      // The order is paid whatever happens here; a cart left full is the lesser harm.
      await cart
        .removeOrdered(order.userId, order.id, order.items)
        .catch((error: unknown) => log.warn({ err: error, orderId: order.id }, 'could not take the order out of the cart'));
    }
  }

  /** Records how the order ended; the order as it is when another settler got there first. */
  async function end(order: Order, outcome: PaymentOutcome): Promise<Order> {
    const ended = await orders.move(
      order.id,
      'pending',
      outcome.status,
      { ...(outcome.paymentId ? { paymentId: outcome.paymentId } : {}), ...(outcome.failureReason ? { failureReason: outcome.failureReason } : {}) },
      emit(eventOnReaching[outcome.status]),
    );
    if (!ended) return (await orders.findById(order.id)) ?? order;
    outbox.wake();
    await afterEnd(ended);
    return ended;
  }

  /** Reserves the order's stock (once); the order afterwards, or a 409 when the stock is not there. */
  async function reserve(order: Order, options: CompleteOptions): Promise<Order> {
    const refusal = await stock.reserve(order.id, order.items);
    if (refusal) {
      if (options.onRefusal === 'cancel') return end(order, { status: 'cancelled', failureReason: refusal.message });
      if (await orders.discard(order.id)) {
        // A reservation racing this one (a concurrent retry) must not survive the order.
        await stock.release(order.id).catch(() => undefined);
        throw refused(refusal);
      }
      // Meanwhile a concurrent request reserved or ended it: carry on from where it is.
      const current = await orders.findById(order.id);
      if (!current) throw refused(refusal);
      return current;
    }
    // Announced once the stock is held: an order discarded for lack of stock was never created.
    const marked = await orders.markStockReserved(order.id, emit('order.created'));
    if (marked) {
      outbox.wake();
      return marked;
    }
    const current = await orders.findById(order.id);
    if (!current) {
      // Discarded by a concurrent request whose reservation was refused before ours got through.
      await stock.release(order.id);
      throw conflict('the order could not be placed: the stock was not there', 'insufficient_stock');
    }
    return current;
  }

  /** Takes a pending order as far as it can go now; a payment-service outage leaves it pending (503). */
  async function complete(order: Order, options: CompleteOptions): Promise<Order> {
    if (order.status !== 'pending') return order;
    const reserved = order.stockReserved ? order : await reserve(order, options);
    if (reserved.status !== 'pending') return reserved;
    // Nothing to charge for a free order (payment-service takes amounts of 1 cent or more).
    const outcome: PaymentOutcome = reserved.total === 0 ? { status: 'paid' } : await payments.charge(reserved.id, reserved.total);
    return end(reserved, outcome);
  }

  /**
   * Gives up on a pending order: payment-service voids its key (or answers the charge made before,
   * which then decides), the order is cancelled and its stock goes back.
   */
  async function cancel(order: Order, reason: string): Promise<Order> {
    if (order.status !== 'pending') return order;
    const outcome = await payments.void(order.id, reason);
    return end(order, outcome);
  }

  return { complete, cancel, releaseStock };
}

export type Settlement = ReturnType<typeof createSettlement>;
