// GET / (the user's cart), PUT /items/:productId {quantity}, DELETE /; and, for order-service only
// (the mesh policy admits no other caller under /internal/, the gateway does not route there),
// POST /internal/carts/:userId/removals (a paid order's quantities out, once per order).
import { Type, conflict, currentUser, notFound, type App, type AuthGuard } from '@shopmesh/service-kit';
import type { ProductCatalog } from '@shopmesh/service-kit/peers';
import { pricedCart } from './cart.ts';
import type { CartStore } from './cart-store.ts';

export interface CartRoutesDeps {
  store: CartStore;
  catalog: ProductCatalog;
  guard: AuthGuard;
}

/** The most of one product a cart may hold, whatever the stock. */
export const MAX_QUANTITY = 1_000;

const CartBody = Type.Object({
  items: Type.Array(Type.Object({ productId: Type.String(), quantity: Type.Integer(), unitPrice: Type.Integer() })),
  total: Type.Integer(),
});
const ProductParams = Type.Object({
  productId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
});
const QuantityBody = Type.Object(
  { quantity: Type.Integer({ minimum: 0, maximum: MAX_QUANTITY }) },
  { additionalProperties: false },
);

const UserParams = Type.Object({ userId: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }) });
const RemovalBody = Type.Object(
  {
    orderId: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }),
    items: Type.Array(
      Type.Object(
        { productId: ProductParams.properties.productId, quantity: Type.Integer({ minimum: 1, maximum: 1_000_000 }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
  },
  { additionalProperties: false },
);

export function registerCartRoutes(app: App, deps: CartRoutesDeps): void {
  const { store, catalog, guard } = deps;

  app.get('/', { onRequest: guard.user, schema: { response: { 200: CartBody } } }, async (request) =>
    pricedCart(currentUser(request).id, store, catalog),
  );

  app.put(
    '/items/:productId',
    { onRequest: guard.user, schema: { params: ProductParams, body: QuantityBody, response: { 200: CartBody } } },
    async (request) => {
      const userId = currentUser(request).id;
      const { productId } = request.params;
      const { quantity } = request.body;
      // Removing needs no look-up: a product gone from the catalogue can still leave the cart.
      if (quantity > 0) {
        const product = await catalog.find(productId);
        if (!product) throw notFound(`no product ${productId}`);
        if (quantity > product.stock) {
          throw conflict(`only ${product.stock} of product ${productId} in stock`, 'insufficient_stock', 'quantity');
        }
      }
      await store.setQuantity(userId, productId, quantity);
      return pricedCart(userId, store, catalog);
    },
  );

  // A paid order takes what it bought out of the cart: lines added meanwhile (or more of a product
  // than was ordered) stay. Applied once per order id, so a retry removes nothing more. Called by
  // order-service, also for orders its reconciler settles with no user request to borrow a token from.
  app.post(
    '/internal/carts/:userId/removals',
    { schema: { params: UserParams, body: RemovalBody, response: { 200: Type.Object({ applied: Type.Boolean() }) } } },
    async (request) => ({
      applied: await store.removeOrdered(request.params.userId, request.body.orderId, request.body.items),
    }),
  );

  app.delete('/', { onRequest: guard.user }, async (request, reply) => {
    await store.clear(currentUser(request).id);
    return reply.status(204).send();
  });
}
