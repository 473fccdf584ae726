// POST / (review a product), GET /?productId (reviews, newest first, a page at a time: `nextCursor` -> `?cursor=`).
import { CursorParam, Type, conflict, currentUser, decodeCursor, encodeCursor, notFound, type App, type AuthGuard } from '@shopmesh/service-kit';
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

/** Where a page ended: the last review's creation time and id. */
const ReviewPosition = Type.Tuple([
  Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$' }),
  Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }),
]);

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
          cursor: Type.Optional(CursorParam),
        }),
        response: { 200: Type.Object({ items: Type.Array(ReviewBody), nextCursor: Type.Optional(Type.String()) }) },
      },
    },
    async (request) => {
      const { productId, limit, cursor } = request.query;
      const after = cursor === undefined ? undefined : decodeCursor(ReviewPosition, cursor);
      const page = await reviews.list({ productId, limit, after });
      return { items: page.items.map(toReviewBody), ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}) };
    },
  );
}
