// Turns order events (schema: the kit's `events.ts`, checked by the kit's consumer) into
// notifications for the order's user.
import type { ShopEvent } from '@shopmesh/service-kit/events';
import type { NotificationStore } from './notifications.ts';

interface Logger {
  debug(obj: object, msg?: string): void;
}

export function createNotificationEventHandler(store: NotificationStore, log: Logger) {
  return async (event: ShopEvent): Promise<void> => {
    if (!('orderId' in event)) return;
    const { id, type, orderId, userId, occurredAt } = event;
    const recorded = await store.record(userId, { id, type, orderId, createdAt: occurredAt });
    log.debug({ eventId: event.id, recorded }, 'order notification');
  };
}
