// Stock reservations for orders, in product-db. Reserving takes every line of an order in one
// transaction, each with `stock >= quantity` checked by the UPDATE that takes it, so concurrent
// orders can never oversell; a line that does not fit rolls the whole reservation back. Both
// operations are idempotent by order id: a retry neither reserves nor releases twice. Every stock
// change is committed with its `product.updated` event (outbox), which carries the new stock.
import { and, eq, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { HttpError, Type, badRequest, conflict, type Static } from '@shopmesh/service-kit';
import { productEvent } from '@shopmesh/service-kit/events';
import { TOPICS } from '@shopmesh/service-kit/kafka';
import { enqueueEvent } from '@shopmesh/service-kit/outbox';
import { products, stockReservationLines, stockReservations, type ReservationStatus, type schema } from './db/schema.ts';
import { toProduct } from './product.ts';

type Db = NodePgDatabase<typeof schema>;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export const ReservationLine = Type.Object(
  { productId: Type.String({ format: 'uuid' }), quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
  { additionalProperties: false },
);
export const ReservationRequest = Type.Object(
  { items: Type.Array(ReservationLine, { minItems: 1, maxItems: 100 }) },
  { additionalProperties: false },
);
export type ReservationRequest = Static<typeof ReservationRequest>;
export type ReservationLine = Static<typeof ReservationLine>;

export const Reservation = Type.Object({
  orderId: Type.String(),
  status: Type.Union([Type.Literal('reserved'), Type.Literal('released')]),
  items: Type.Array(Type.Object({ productId: Type.String(), quantity: Type.Integer() })),
});
export type Reservation = Static<typeof Reservation>;

export interface ReservationOutcome {
  reservation: Reservation;
  /** False when the order id had been seen before (nothing changed this time). */
  changed: boolean;
  /** Products whose stock changed (for cache invalidation). */
  productIds: string[];
}

const byProduct = (a: ReservationLine, b: ReservationLine) => a.productId.localeCompare(b.productId);

async function linesOf(tx: Tx, orderId: string): Promise<ReservationLine[]> {
  const rows = await tx
    .select({ productId: stockReservationLines.productId, quantity: stockReservationLines.quantity })
    .from(stockReservationLines)
    .where(eq(stockReservationLines.orderId, orderId));
  return rows.sort(byProduct);
}

const sameLines = (a: ReservationLine[], b: ReservationLine[]) =>
  a.length === b.length && a.every((line, i) => line.productId === b[i]!.productId && line.quantity === b[i]!.quantity);

/**
 * Adds `delta` to a product's stock (never below 0) with its event; undefined when it would not fit.
 * Only products on sale can be taken; released stock returns even to a withdrawn one.
 */
async function moveStock(tx: Tx, productId: string, delta: number) {
  const [row] = await tx
    .update(products)
    .set({ stock: sql`${products.stock} + ${delta}`, updatedAt: new Date() })
    .where(and(eq(products.id, productId), sql`${products.stock} + ${delta} >= 0`, delta < 0 ? eq(products.active, true) : undefined))
    .returning();
  if (!row) return undefined;
  const product = toProduct(row);
  await enqueueEvent(tx, TOPICS.productEvents, productEvent('product.updated', product), product.id);
  return product;
}

export function reserveStock(db: Db, orderId: string, request: ReservationRequest): Promise<ReservationOutcome> {
  const lines = [...request.items].sort(byProduct);
  lines.forEach((line, i) => {
    if (i > 0 && lines[i - 1]!.productId === line.productId) {
      const at = request.items.findLastIndex((item) => item.productId === line.productId);
      throw badRequest(`product ${line.productId} is listed twice`, `items.${at}.productId`);
    }
  });
  return db.transaction(async (tx) => {
    // The primary key serialises concurrent requests for one order: the second waits for the first.
    const [created] = await tx
      .insert(stockReservations)
      .values({ orderId, status: 'reserved' })
      .onConflictDoNothing()
      .returning();
    if (!created) {
      const [existing] = await tx.select().from(stockReservations).where(eq(stockReservations.orderId, orderId));
      if (existing!.status === 'released') {
        throw conflict(`the reservation of order ${orderId} was released`, 'reservation_released', 'orderId');
      }
      const held = await linesOf(tx, orderId);
      if (!sameLines(held, lines)) {
        throw conflict(`order ${orderId} holds a reservation of other items`, 'reservation_mismatch', 'items');
      }
      return { reservation: { orderId, status: 'reserved', items: held }, changed: false, productIds: [] };
    }
    // In product id order, so that two orders sharing products lock them in the same order.
    for (const line of lines) {
      const at = request.items.findIndex((item) => item.productId === line.productId);
      if (!(await moveStock(tx, line.productId, -line.quantity))) {
        const [product] = await tx.select({ stock: products.stock, active: products.active }).from(products).where(eq(products.id, line.productId));
        if (!product?.active) throw new HttpError(409, 'product_unavailable', `product ${line.productId} is not sold`, `items.${at}.productId`);
        throw conflict(`only ${product.stock} of product ${line.productId} in stock`, 'insufficient_stock', `items.${at}.quantity`);
      }
    }
    await tx.insert(stockReservationLines).values(lines.map((line) => ({ orderId, ...line })));
    return { reservation: { orderId, status: 'reserved', items: lines }, changed: true, productIds: lines.map((l) => l.productId) };
  });
}

export function releaseStock(db: Db, orderId: string): Promise<ReservationOutcome> {
  return db.transaction(async (tx) => {
    // A release before any reservation leaves a tombstone: the reservation, if it comes, is refused.
    const [tombstone] = await tx
      .insert(stockReservations)
      .values({ orderId, status: 'released' })
      .onConflictDoNothing()
      .returning();
    if (tombstone) return { reservation: { orderId, status: 'released', items: [] }, changed: true, productIds: [] };
    const [released] = await tx
      .update(stockReservations)
      .set({ status: 'released' satisfies ReservationStatus, updatedAt: new Date() })
      .where(and(eq(stockReservations.orderId, orderId), eq(stockReservations.status, 'reserved')))
      .returning();
    const lines = await linesOf(tx, orderId);
    if (!released) return { reservation: { orderId, status: 'released', items: lines }, changed: false, productIds: [] };
    for (const line of lines) await moveStock(tx, line.productId, line.quantity);
    return { reservation: { orderId, status: 'released', items: lines }, changed: true, productIds: lines.map((l) => l.productId) };
  });
}
