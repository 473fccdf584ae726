// GET / (catalogue), GET /:id; POST / and PATCH /:id for admins.
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { Type, notFound, type App, type AuthGuard } from '@shopmesh/service-kit';
import { pageKey, type ProductCache } from './cache.ts';
import { createProduct, findProduct, listProducts, updateProduct } from './catalogue.ts';
import type { schema } from './db/schema.ts';
import { CataloguePage, CatalogueQuery, NewProduct, Product, ProductChanges } from './product.ts';

export interface ProductRoutesDeps {
  db: NodePgDatabase<typeof schema>;
  guard: AuthGuard;
  /** v2 reads through it; any version with Redis invalidates it on writes. */
  readCache?: ProductCache;
  invalidationCache?: ProductCache;
  /** Called after a write committed, so its event is published without waiting for the next tick. */
  onEventQueued(): void;
}

const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
// A cache hit is sent as the JSON text it is: fastify passes a string with a JSON content type
// through untouched. The casts below only tell the typed reply that the text has the same shape.
const JSON_TYPE = 'application/json; charset=utf-8';

export function registerProductRoutes(app: App, deps: ProductRoutesDeps): void {
  const { db, guard, readCache } = deps;

  app.get('/', { schema: { querystring: CatalogueQuery, response: { 200: CataloguePage } } }, async (request, reply) => {
    if (!readCache) return listProducts(db, request.query);
    const key = pageKey(request.query);
    let json = await readCache.getPage(key);
    if (json === undefined) {
      json = JSON.stringify(await listProducts(db, request.query));
      await readCache.putPage(key, json);
    }
    return reply.type(JSON_TYPE).send(json as unknown as CataloguePage);
  });

  app.get('/:id', { schema: { params: IdParams, response: { 200: Product } } }, async (request, reply) => {
    const { id } = request.params;
    const fromDatabase = async (): Promise<Product> => {
      const product = await findProduct(db, id);
      if (!product) throw notFound('no such product');
      return product;
    };
    if (!readCache) return fromDatabase();
    let json = await readCache.getProduct(id);
    if (json === undefined) {
      json = JSON.stringify(await fromDatabase());
      await readCache.putProduct(id, json);
    }
    return reply.type(JSON_TYPE).send(json as unknown as Product);
  });

  app.post(
    '/',
    { onRequest: guard.admin, schema: { body: NewProduct, response: { 201: Product } } },
    async (request, reply) => {
      const product = await createProduct(db, request.body);
      deps.onEventQueued();
      await deps.invalidationCache?.invalidate(product.id);
      return reply.status(201).send(product);
    },
  );

  app.patch(
    '/:id',
    { onRequest: guard.admin, schema: { params: IdParams, body: ProductChanges, response: { 200: Product } } },
    async (request) => {
      const product = await updateProduct(db, request.params.id, request.body);
      if (!product) throw notFound('no such product');
      deps.onEventQueued();
      await deps.invalidationCache?.invalidate(product.id);
      return product;
    },
  );
}
