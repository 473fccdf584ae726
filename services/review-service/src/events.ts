// The event review-service emits on `review-events` (through the outbox, in the transaction that
// stores the review), built with the shared schema of `@shopmesh/service-kit/events`.
import { reviewCreatedEvent as buildReviewCreated } from '@shopmesh/service-kit/events';
import type { Review } from './reviews.ts';

export const reviewCreatedEvent = (review: Review) =>
  buildReviewCreated({ reviewId: review.id, productId: review.productId, userId: review.userId, rating: review.rating });
