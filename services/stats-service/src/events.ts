// The events stats-service reads, as order-service and review-service publish them (kit envelope:
// id, type, occurredAt, then the payload's fields at the top level).
import { Type, type Static } from '@shopmesh/service-kit';

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

/** Whether an order event says the order is paid: `order.paid`, or any order event with status paid. */
export const announcesPayment = (event: OrderEvent): boolean => event.type === 'order.paid' || event.status === 'paid';
