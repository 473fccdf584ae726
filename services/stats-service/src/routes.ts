// GET /sales (admin) and GET /products/:id (anyone).
import { Type, type App, type AuthGuard } from '@shopmesh/service-kit';
import { readProductStats, readSales, type StatsDb } from './aggregates.ts';

const Sales = Type.Object({ orders: Type.Integer(), revenue: Type.Integer() });
const ProductSummary = Type.Object({
  productId: Type.String(),
  sold: Type.Integer(),
  revenue: Type.Integer(),
  ratingCount: Type.Integer(),
  ratingAverage: Type.Number(),
});

export function registerStatsRoutes(app: App, deps: { db: StatsDb; guard: AuthGuard }): void {
  app.get('/sales', { onRequest: deps.guard.admin, schema: { response: { 200: Sales } } }, () => readSales(deps.db));

  app.get(
    '/products/:id',
    {
      schema: {
        // Fastify refuses longer path parameters itself (414).
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 200: ProductSummary },
      },
    },
    (request) => readProductStats(deps.db, request.params.id),
  );
}
