// Reads and updates of the sales and per-product aggregates. Writers take a transaction in which
// the event was already recorded as processed, so an aggregate and its dedupe record commit together.
import { eq, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { paidOrders, productRatings, productStats, salesTotals, type schema } from './db/schema.ts';
import type { OrderEvent, ReviewCreatedEvent } from '@shopmesh/service-kit/events';

export type StatsDb = NodePgDatabase<typeof schema>;
type Tx = Parameters<Parameters<StatsDb['transaction']>[0]>[0];

/** Sums quantities and revenue per product (an order may list a product on several lines). */
function salesPerProduct(items: OrderEvent['items']): { productId: string; sold: number; revenue: number }[] {
  const totals = new Map<string, { productId: string; sold: number; revenue: number }>();
  for (const item of items) {
    const entry = totals.get(item.productId) ?? { productId: item.productId, sold: 0, revenue: 0 };
    entry.sold += item.quantity;
    entry.revenue += item.quantity * item.unitPrice;
    totals.set(item.productId, entry);
  }
  return [...totals.values()];
}

/** Counts a paid order; false when this order was already counted. */
export async function recordPaidOrder(tx: Tx, order: OrderEvent): Promise<boolean> {
  const inserted = await tx
    .insert(paidOrders)
    .values({ orderId: order.orderId, userId: order.userId, total: order.total, paidAt: new Date(order.occurredAt) })
    .onConflictDoNothing()
    .returning({ orderId: paidOrders.orderId });
  if (inserted.length === 0) return false;

  await tx
    .insert(salesTotals)
    .values({ id: 1, orders: 1, revenue: order.total })
    .onConflictDoUpdate({
      target: salesTotals.id,
      set: { orders: sql`${salesTotals.orders} + 1`, revenue: sql`${salesTotals.revenue} + excluded.revenue` },
    });
  const perProduct = salesPerProduct(order.items);
  if (perProduct.length > 0) {
    await tx
      .insert(productStats)
      .values(perProduct)
      .onConflictDoUpdate({
        target: productStats.productId,
        set: {
          sold: sql`${productStats.sold} + excluded.sold`,
          revenue: sql`${productStats.revenue} + excluded.revenue`,
        },
      });
  }
  return true;
}

/** Counts a rating; false when this user's rating of this product was already counted. */
export async function recordRating(tx: Tx, review: ReviewCreatedEvent): Promise<boolean> {
  const inserted = await tx
    .insert(productRatings)
    .values({ productId: review.productId, userId: review.userId, rating: review.rating, ratedAt: new Date(review.occurredAt) })
    .onConflictDoNothing()
    .returning({ productId: productRatings.productId });
  if (inserted.length === 0) return false;

  await tx
    .insert(productStats)
    .values({ productId: review.productId, ratingCount: 1, ratingSum: review.rating })
    .onConflictDoUpdate({
      target: productStats.productId,
      set: {
        ratingCount: sql`${productStats.ratingCount} + 1`,
        ratingSum: sql`${productStats.ratingSum} + excluded.rating_sum`,
      },
    });
  return true;
}

export async function readSales(db: StatsDb): Promise<{ orders: number; revenue: number }> {
  const [totals] = await db.select().from(salesTotals).where(eq(salesTotals.id, 1));
  return { orders: totals?.orders ?? 0, revenue: totals?.revenue ?? 0 };
}

export interface ProductSummary {
  productId: string;
  sold: number;
  revenue: number;
  ratingCount: number;
  /** Mean rating rounded to two decimals; 0 without ratings. */
  ratingAverage: number;
}

/** A product's figures; zeros for a product with no paid order and no rating (or an unknown id). */
export async function readProductStats(db: StatsDb, productId: string): Promise<ProductSummary> {
  const [row] = await db.select().from(productStats).where(eq(productStats.productId, productId));
  const ratingCount = row?.ratingCount ?? 0;
  const ratingAverage = ratingCount === 0 ? 0 : Math.round(((row?.ratingSum ?? 0) / ratingCount) * 100) / 100;
  return { productId, sold: row?.sold ?? 0, revenue: row?.revenue ?? 0, ratingCount, ratingAverage };
}
