import { sql } from 'drizzle-orm';
import { bigint, check, integer, pgTable, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';
import { processedEvents } from '@shopmesh/service-kit/db';

export { processedEvents };

/** Totals over paid orders: a single row (id 1), updated as orders are paid. */
export const salesTotals = pgTable(
  'sales_totals',
  {
    id: smallint('id').primaryKey().default(1),
    orders: integer('orders').notNull().default(0),
    revenue: bigint('revenue', { mode: 'number' }).notNull().default(0),
  },
  (table) => [check('sales_totals_single_row', sql`${table.id} = 1`)],
);

/**
 * Orders already counted. An order is counted once whatever events announce its payment
 * (a redelivery has the same event id; a producer's retry may not).
 */
export const paidOrders = pgTable('paid_orders', {
  orderId: text('order_id').primaryKey(),
  userId: text('user_id').notNull(),
  total: bigint('total', { mode: 'number' }).notNull(),
  paidAt: timestamp('paid_at', { withTimezone: true }).notNull(),
});

/** Ratings already counted: one per user and product, as review-service allows. */
export const productRatings = pgTable(
  'product_ratings',
  {
    productId: text('product_id').notNull(),
    userId: text('user_id').notNull(),
    rating: smallint('rating').notNull(),
    ratedAt: timestamp('rated_at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.productId, table.userId] })],
);

export const productStats = pgTable('product_stats', {
  productId: text('product_id').primaryKey(),
  sold: integer('sold').notNull().default(0),
  revenue: bigint('revenue', { mode: 'number' }).notNull().default(0),
  ratingCount: integer('rating_count').notNull().default(0),
  ratingSum: integer('rating_sum').notNull().default(0),
});

export const schema = { processedEvents, salesTotals, paidOrders, productRatings, productStats };
