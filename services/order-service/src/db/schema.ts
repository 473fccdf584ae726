import { sql } from 'drizzle-orm';
import { outboxEvents } from '@shopmesh/service-kit/outbox';
import { bigint, check, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { orderStatuses } from '../lifecycle.ts';

export { outboxEvents };
export { orderStatuses, type OrderStatus } from '../lifecycle.ts';

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: text('user_id').notNull(),
    // The client's Idempotency-Key: one order per user and key, whatever the retries.
    idempotencyKey: text('idempotency_key').notNull(),
    // See lifecycle.ts. `pending` until the charge's outcome is known.
    status: text('status', { enum: orderStatuses }).notNull().default('pending'),
    total: bigint('total', { mode: 'number' }).notNull(),
    paymentId: text('payment_id'),
    // Why the order ended payment_failed or cancelled (payment-service's answer, the deadline...).
    failureReason: text('failure_reason'),
    // When product-service confirmed the stock reservation (then `order.created` was announced).
    stockReservedAt: timestamp('stock_reserved_at', { withTimezone: true }),
    // When product-service confirmed the stock went back (payment_failed and cancelled orders).
    stockReleasedAt: timestamp('stock_released_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('orders_user_idempotency_key_uq').on(table.userId, table.idempotencyKey),
    // The user's orders newest first, paged by (created_at, id).
    index('orders_user_created_at_id_idx').on(table.userId, table.createdAt.desc(), table.id.desc()),
    // The reconciler's work: pending orders, and ended ones whose stock has not gone back yet.
    index('orders_unsettled_idx')
      .on(table.createdAt)
      .where(sql`${table.status} = 'pending' or (${table.status} in ('payment_failed', 'cancelled') and ${table.stockReleasedAt} is null)`),
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
