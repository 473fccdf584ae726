// The events stats-service reads, as order-service and review-service publish them (kit envelope:
// id, type, occurredAt, then the payload's fields at the top level).
import { Type, type Static, type TSchema } from '@shopmesh/service-kit';
import { Value } from '@sinclair/typebox/value';

const Id = Type.String({ minLength: 1, maxLength: 128 });
const Envelope = { id: Id, type: Type.String(), occurredAt: Type.String({ minLength: 1 }) };

export const OrderEvent = Type.Object({
  ...Envelope,
  orderId: Id,
  userId: Id,
  status: Type.String(),
  total: Type.Integer({ minimum: 0 }),
  items: Type.Array(
    Type.Object({ productId: Id, quantity: Type.Integer({ minimum: 1 }), unitPrice: Type.Integer({ minimum: 0 }) }),
  ),
});
export type OrderEvent = Static<typeof OrderEvent>;

export const ReviewCreatedEvent = Type.Object({
  ...Envelope,
  productId: Id,
  userId: Id,
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
});
export type ReviewCreatedEvent = Static<typeof ReviewCreatedEvent>;

/** The payload checked against `schema`, or the first problem found (`/items/0/quantity: ...`). */
export function parseEvent<S extends TSchema>(
  schema: S,
  event: unknown,
): { ok: true; value: Static<S> } | { ok: false; problem: string } {
  if (Value.Check(schema, event)) return { ok: true, value: event };
  const first = Value.Errors(schema, event).First();
  return { ok: false, problem: first ? `${first.path || '/'}: ${first.message}` : 'invalid event' };
}

/** Whether an order event says the order is paid: `order.paid`, or any order event with status paid. */
export const announcesPayment = (event: OrderEvent): boolean => event.type === 'order.paid' || event.status === 'paid';
