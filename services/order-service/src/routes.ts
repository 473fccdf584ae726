// POST / (place an order from the cart), GET / (the user's orders, newest first, by cursor), GET /:id.
import { CursorParam, Type, currentUser, notFound, type App, type AuthGuard } from '@shopmesh/service-kit';
import { decodeOrderCursor, encodeOrderCursor } from './cursor.ts';
import { orderStatuses } from './lifecycle.ts';
import type { Order, OrderRepository } from './orders.ts';
import { TotalChangedError, type PlaceOrder } from './placement.ts';

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
  failureReason: Type.Optional(Type.String()),
  createdAt: Type.String(),
});

const toOrderBody = (order: Order) => ({
  id: order.id,
  status: order.status,
  total: order.total,
  items: order.items,
  ...(order.failureReason !== undefined ? { failureReason: order.failureReason } : {}),
  createdAt: order.createdAt.toISOString(),
});

const PlaceOrderHeaders = Type.Object({
  'idempotency-key': Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' }),
});
// Optional: a client that showed the user a total sends it, and the order is placed only at it.
const PlaceOrderBody = Type.Union([
  Type.Object({ expectedTotal: Type.Optional(Type.Integer({ minimum: 0, description: 'cents' })) }, { additionalProperties: false }),
  Type.Null(),
]);
const TotalChangedBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), field: Type.String() }),
  expectedTotal: Type.Integer(),
  total: Type.Integer(),
});

const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(CursorParam),
  },
  { additionalProperties: false },
);

export function registerOrderRoutes(app: App, deps: OrderRoutesDeps): void {
  const { orders, placeOrder, guard } = deps;

  app.post(
    '/',
    {
      onRequest: guard.user,
      schema: {
        headers: PlaceOrderHeaders,
        body: PlaceOrderBody,
        response: { 200: OrderBody, 201: OrderBody, 409: Type.Union([TotalChangedBody, Type.Any()]) },
      },
    },
    async (request, reply) => {
      try {
        const { order, created } = await placeOrder({
          userId: currentUser(request).id,
          idempotencyKey: request.headers['idempotency-key'],
          // Present: the guard checked it before validation ran.
          authorization: request.headers.authorization ?? '',
          ...(request.body?.expectedTotal !== undefined ? { expectedTotal: request.body.expectedTotal } : {}),
        });
        return reply.status(created ? 201 : 200).send(toOrderBody(order));
      } catch (error) {
        if (!(error instanceof TotalChangedError)) throw error;
        // Both numbers, so that the client can show the new total and ask again.
        const { code, message, field, expectedTotal, total } = error;
        return reply.status(409).send({ error: { code, message, field: field! }, expectedTotal, total });
      }
    },
  );

  app.get(
    '/',
    {
      onRequest: guard.user,
      schema: {
        querystring: ListQuery,
        response: { 200: Type.Object({ items: Type.Array(OrderBody), nextCursor: Type.Union([Type.String(), Type.Null()]) }) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const page = await orders.listForUser(currentUser(request).id, limit, cursor === undefined ? undefined : decodeOrderCursor(cursor));
      return { items: page.orders.map(toOrderBody), nextCursor: page.next ? encodeOrderCursor(page.next) : null };
    },
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
