// Reviews in review-db.
import { desc, eq } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { reviews, type schema } from './db/schema.ts';

type Db = NodePgDatabase<typeof schema>;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export type Review = typeof reviews.$inferSelect;
export type NewReview = Pick<Review, 'productId' | 'userId' | 'rating' | 'comment'>;

export interface ReviewRepository {
  /**
   * Stores a review and runs `inTransaction` in the same transaction (to enqueue its event);
   * undefined when the user has already reviewed the product.
   */
  create(review: NewReview, inTransaction: (review: Review, tx: Tx) => Promise<void>): Promise<Review | undefined>;
  /** Newest first; all products when `productId` is undefined. */
  list(filter: { productId?: string; limit: number }): Promise<Review[]>;
}

export function createReviewRepository(db: Db): ReviewRepository {
  return {
    create(review, inTransaction) {
      return db.transaction(async (tx) => {
        const [created] = await tx
          .insert(reviews)
          .values(review)
          .onConflictDoNothing({ target: [reviews.productId, reviews.userId] })
          .returning();
        if (created) await inTransaction(created, tx);
        return created;
      });
    },
    list({ productId, limit }) {
      return db
        .select()
        .from(reviews)
        .where(productId === undefined ? undefined : eq(reviews.productId, productId))
        .orderBy(desc(reviews.createdAt), desc(reviews.id))
        .limit(limit);
    },
  };
}
