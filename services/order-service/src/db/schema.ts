import { sql } from 'drizzle-orm';
import { outboxEvents } from '@shopmesh/service-kit/outbox';
import { bigint, check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export { outboxEvents };

export const orderStatuses = ['pending', 'paid', 'payment_failed'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: text('user_id').notNull(),
    // The client's Idempotency-Key: one order per user and key, whatever the retries.
    idempotencyKey: text('idempotency_key').notNull(),
    // `pending` between storing the order and recording the charge's outcome.
    status: text('status', { enum: orderStatuses }).notNull().default('pending'),
    total: bigint('total', { mode: 'number' }).notNull(),
    paymentId: text('payment_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('orders_user_idempotency_key_uq').on(table.userId, table.idempotencyKey),
    index('orders_user_created_at_idx').on(table.userId, table.createdAt.desc()),
    check('orders_total_not_negative', sql`${table.total} >= 0`),
    check('orders_status_known', sql`${table.status} in (${sql.raw(orderStatuses.map((status) => `'${status}'`).join(', '))})`),
  ],
);

export const orderItems = pgTable(
  'order_items',
  {
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id),
    productId: text('product_id').notNull(),
    quantity: integer('quantity').notNull(),
    unitPrice: bigint('unit_price', { mode: 'number' }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orderId, table.productId] }),
    check('order_items_quantity_positive', sql`${table.quantity} > 0`),
    check('order_items_unit_price_not_negative', sql`${table.unitPrice} >= 0`),
  ],
);

export const schema = { orders, orderItems, outboxEvents };
