import { sql } from 'drizzle-orm';
import { outboxEvents } from '@shopmesh/service-kit/outbox';
import { check, index, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export { outboxEvents };

export const reviews = pgTable(
  'reviews',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    productId: text('product_id').notNull(),
    userId: text('user_id').notNull(),
    rating: smallint('rating').notNull(),
    comment: text('comment').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    // One review per user and product.
    uniqueIndex('reviews_product_user_uq').on(table.productId, table.userId),
    index('reviews_created_at_idx').on(table.createdAt.desc()),
    check('reviews_rating_range', sql`${table.rating} between 1 and 5`),
  ],
);

export const schema = { reviews, outboxEvents };
