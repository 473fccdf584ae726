// Reviews in review-db.
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
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
  /**
   * Newest first (id breaking ties); all products when `productId` is undefined. `after` is where
   * the previous page ended; `next` is where this one ends, when more follow.
   */
  list(filter: { productId?: string; limit: number; after?: ReviewPosition }): Promise<{ items: Review[]; next?: ReviewPosition }>;
}

/** A review's place in the list: its creation time (as PostgreSQL prints it, to the microsecond) and id. */
export type ReviewPosition = [string, string];

// The creation time at full precision: a JavaScript Date would drop the microseconds, and a page
// would then skip or repeat reviews created within the same millisecond.
const positionTime = sql<string>`to_char(${reviews.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

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
    async list({ productId, limit, after }) {
      const filters: SQL[] = [];
      if (productId !== undefined) filters.push(eq(reviews.productId, productId));
      if (after) filters.push(sql`(${reviews.createdAt}, ${reviews.id}) < (${after[0]}::timestamptz, ${after[1]}::uuid)`);
      const rows = await db
        .select({ review: reviews, time: positionTime })
        .from(reviews)
        .where(filters.length > 0 ? and(...filters) : undefined)
        .orderBy(desc(reviews.createdAt), desc(reviews.id))
        .limit(limit + 1);
      const items = rows.slice(0, limit).map((row) => row.review);
      const last = rows.length > limit ? rows[limit - 1] : undefined;
      return last ? { items, next: [last.time, last.review.id] } : { items };
    },
  };
}
