// What stats-service reads of the shared events (`@shopmesh/service-kit/events`).
import type { OrderEvent } from '@shopmesh/service-kit/events';

/** Whether an order event says the order is paid: `order.paid`, or any order event with status paid. */
export const announcesPayment = (event: OrderEvent): boolean => event.type === 'order.paid' || event.status === 'paid';
