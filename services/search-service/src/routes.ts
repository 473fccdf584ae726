// GET /?q= : products matching the text in their name, category or description, best first.
import { Type, type App } from '@shopmesh/service-kit';
import type { ProductIndex } from './product-index.ts';

const SearchQuery = Type.Object({
  q: Type.String({ minLength: 1, maxLength: 200 }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});
const SearchAnswer = Type.Object({
  items: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), price: Type.Integer() })),
});

export function registerSearchRoutes(app: App, deps: { index: ProductIndex }): void {
  app.get('/', { schema: { querystring: SearchQuery, response: { 200: SearchAnswer } } }, async (request) => ({
    items: await deps.index.search(request.query.q, request.query.limit),
  }));
}
