// POST / (review a product), GET /?productId (reviews, newest first).
import { Type, conflict, currentUser, notFound, type App, type AuthGuard } from '@shopmesh/service-kit';
import { TOPICS } from '@shopmesh/service-kit/kafka';
import { enqueueEvent, type OutboxRelay } from '@shopmesh/service-kit/outbox';
import type { ProductCatalog } from '@shopmesh/service-kit/peers';
import { reviewCreatedEvent } from './events.ts';
import type { Review, ReviewRepository } from './reviews.ts';

export interface ReviewRoutesDeps {
  reviews: ReviewRepository;
  catalog: ProductCatalog;
  outbox: OutboxRelay;
  guard: AuthGuard;
}

const ProductId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

const ReviewBody = Type.Object({
  id: Type.String(),
  productId: Type.String(),
  userId: Type.String(),
  rating: Type.Integer(),
  comment: Type.String(),
  createdAt: Type.String(),
});

const toReviewBody = (review: Review) => ({ ...review, createdAt: review.createdAt.toISOString() });

const NewReviewBody = Type.Object(
  {
    productId: ProductId,
    rating: Type.Integer({ minimum: 1, maximum: 5 }),
    comment: Type.String({ maxLength: 2_000 }),
  },
  { additionalProperties: false },
);

export function registerReviewRoutes(app: App, deps: ReviewRoutesDeps): void {
  const { reviews, catalog, outbox, guard } = deps;

  app.post(
    '/',
    { onRequest: guard.user, schema: { body: NewReviewBody, response: { 201: ReviewBody } } },
    async (request, reply) => {
      const { productId, rating, comment } = request.body;
      if (!(await catalog.find(productId))) throw notFound(`no product ${productId}`);
      const review = await reviews.create({ productId, userId: currentUser(request).id, rating, comment }, (created, tx) =>
        enqueueEvent(tx, TOPICS.reviewEvents, reviewCreatedEvent(created), created.productId),
      );
      if (!review) throw conflict('you have already reviewed this product', 'already_reviewed', 'productId');
      outbox.wake();
      return reply.status(201).send(toReviewBody(review));
    },
  );

  app.get(
    '/',
    {
      schema: {
        querystring: Type.Object({
          productId: Type.Optional(ProductId),
          limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(ReviewBody) }) },
      },
    },
    async (request) => ({ items: (await reviews.list(request.query)).map(toReviewBody) }),
  );
}
