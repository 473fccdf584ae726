// The events order-service emits on `order-events` (through the outbox, in the transaction that
// changes the order), built with the shared schema of `@shopmesh/service-kit/events`.
import { orderEvent as buildOrderEvent, type OrderEventType } from '@shopmesh/service-kit/events';
import type { Order } from './orders.ts';

export type { OrderEventType };

export const orderEvent = (type: OrderEventType, order: Order) =>
  buildOrderEvent(type, { orderId: order.id, userId: order.userId, status: order.status, items: order.items, total: order.total });
