// The events order-service emits on `order-events` (through the outbox, in the transaction that
// changes the order). Consumers drop redeliveries by the envelope's `id`.
import { newEvent } from '@shopmesh/service-kit/kafka';
import type { Order } from './orders.ts';

export type OrderEventType = 'order.created' | 'order.paid' | 'order.payment_failed' | 'order.cancelled';

export const orderEvent = (type: OrderEventType, order: Order) =>
  newEvent(type, {
    orderId: order.id,
    userId: order.userId,
    status: order.status,
    items: order.items,
    total: order.total,
  });
