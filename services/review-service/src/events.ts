// The event review-service emits on `review-events` (through the outbox, in the transaction that
// stores the review). Consumers drop redeliveries by the envelope's `id`.
import { newEvent } from '@shopmesh/service-kit/kafka';
import type { Review } from './reviews.ts';

export const reviewCreatedEvent = (review: Review) =>
  newEvent('review.created', {
    reviewId: review.id,
    productId: review.productId,
    userId: review.userId,
    rating: review.rating,
  });
