// POST / (place an order from the cart), GET / (the user's orders), GET /:id.
import { Type, currentUser, notFound, type App, type AuthGuard } from '@shopmesh/service-kit';
import { orderStatuses } from './db/schema.ts';
import type { Order, OrderRepository } from './orders.ts';
import type { PlaceOrder } from './placement.ts';

export interface OrderRoutesDeps {
  orders: OrderRepository;
  placeOrder: PlaceOrder;
  guard: AuthGuard;
}

const OrderBody = Type.Object({
  id: Type.String(),
  status: Type.Union(orderStatuses.map((status) => Type.Literal(status))),
  total: Type.Integer(),
  items: Type.Array(Type.Object({ productId: Type.String(), quantity: Type.Integer(), unitPrice: Type.Integer() })),
  createdAt: Type.String(),
});

const toOrderBody = (order: Order) => ({
  id: order.id,
  status: order.status,
  total: order.total,
  items: order.items,
  createdAt: order.createdAt.toISOString(),
});

const PlaceOrderHeaders = Type.Object({
  'idempotency-key': Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' }),
});

export function registerOrderRoutes(app: App, deps: OrderRoutesDeps): void {
  const { orders, placeOrder, guard } = deps;

  app.post(
    '/',
    { onRequest: guard.user, schema: { headers: PlaceOrderHeaders, response: { 200: OrderBody, 201: OrderBody } } },
    async (request, reply) => {
      const { order, created } = await placeOrder({
        userId: currentUser(request).id,
        idempotencyKey: request.headers['idempotency-key'],
        // Present: the guard checked it before validation ran.
        authorization: request.headers.authorization ?? '',
      });
      return reply.status(created ? 201 : 200).send(toOrderBody(order));
    },
  );

  app.get(
    '/',
    {
      onRequest: guard.user,
      schema: {
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }),
        response: { 200: Type.Object({ items: Type.Array(OrderBody) }) },
      },
    },
    async (request) => ({
      items: (await orders.listForUser(currentUser(request).id, request.query.limit)).map(toOrderBody),
    }),
  );

  app.get(
    '/:id',
    {
      onRequest: guard.user,
      schema: { params: Type.Object({ id: Type.String({ format: 'uuid' }) }), response: { 200: OrderBody } },
    },
    async (request) => {
      const order = await orders.findForUser(currentUser(request).id, request.params.id);
      // Someone else's order answers as if it did not exist: ids reveal nothing.
      if (!order) throw notFound(`no order ${request.params.id}`);
      return toOrderBody(order);
    },
  );
}
