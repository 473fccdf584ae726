import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { outboxEvents } from '@shopmesh/service-kit/outbox';

export { outboxEvents };

export const products = pgTable(
  'products',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    price: integer('price').notNull(), // cents
    category: text('category').notNull(),
    stock: integer('stock').notNull(),
    // false: withdrawn from sale (kept for the orders and reviews that name it, out of the catalogue)
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('products_category_idx').on(table.category),
    index('products_price_idx').on(table.price),
    check('products_stock_not_negative', sql`${table.stock} >= 0`),
  ],
);

export const reservationStatuses = ['reserved', 'released'] as const;
export type ReservationStatus = (typeof reservationStatuses)[number];

// One reservation per order (order-service's order id): the stock an order holds until it is
// paid (then it stays taken) or released (payment failed, order cancelled). A release that
// arrives before its reservation leaves a `released` row, so the late reservation is refused.
export const stockReservations = pgTable(
  'stock_reservations',
  {
    orderId: text('order_id').primaryKey(),
    status: text('status', { enum: reservationStatuses }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check(
      'stock_reservations_status_known',
      sql`${table.status} in (${sql.raw(reservationStatuses.map((status) => `'${status}'`).join(', '))})`,
    ),
  ],
);

export const stockReservationLines = pgTable(
  'stock_reservation_lines',
  {
    orderId: text('order_id')
      .notNull()
      .references(() => stockReservations.orderId),
    productId: uuid('product_id')
      .notNull()
      .references(() => products.id),
    quantity: integer('quantity').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orderId, table.productId] }),
    check('stock_reservation_lines_quantity_positive', sql`${table.quantity} > 0`),
  ],
);

export const schema = { products, outboxEvents, stockReservations, stockReservationLines };
