// GET /?q= : products matching the text in their name, category or description, best first, a
// page at a time (`nextCursor` -> `?cursor=`); out-of-stock products are found, marked `inStock: false`.
import { CursorParam, Type, decodeCursor, encodeCursor, type App } from '@shopmesh/service-kit';
import type { ProductIndex } from './product-index.ts';

const SearchQuery = Type.Object({
  q: Type.String({ minLength: 1, maxLength: 200 }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(CursorParam),
});
const SearchAnswer = Type.Object({
  items: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), price: Type.Integer(), inStock: Type.Boolean() })),
  nextCursor: Type.Optional(Type.String()),
});
/** Where a page of hits ended: the last hit's score and id. */
const HitPosition = Type.Tuple([Type.Number(), Type.String({ minLength: 1, maxLength: 128 })]);

export function registerSearchRoutes(app: App, deps: { index: ProductIndex }): void {
  app.get('/', { schema: { querystring: SearchQuery, response: { 200: SearchAnswer } } }, async (request) => {
    const { q, limit, cursor } = request.query;
    const page = await deps.index.search(q, limit, cursor === undefined ? undefined : decodeCursor(HitPosition, cursor));
    return { items: page.items, ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}) };
  });
}
