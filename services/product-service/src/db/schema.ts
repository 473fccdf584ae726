import { boolean, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
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
  (table) => [index('products_category_idx').on(table.category), index('products_price_idx').on(table.price)],
);

export const schema = { products, outboxEvents };
