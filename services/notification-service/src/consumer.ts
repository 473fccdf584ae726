// Turns order events into notifications for the order's user.
import { Type } from '@shopmesh/service-kit';
import { parseEvent, type EventEnvelope } from '@shopmesh/service-kit/kafka';
import type { NotificationStore } from './notifications.ts';

const Id = Type.String({ minLength: 1, maxLength: 128 });
/** The part of order-service's events a notification needs. */
const OrderEvent = Type.Object({ id: Id, type: Type.String(), occurredAt: Type.String(), orderId: Id, userId: Id });

interface Logger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export function createNotificationEventHandler(store: NotificationStore, log: Logger) {
  return async (event: EventEnvelope & Record<string, unknown>): Promise<void> => {
    if (!event.type.startsWith('order.')) return;
    // A malformed event is logged and skipped: throwing would redeliver it forever.
    const parsed = parseEvent(OrderEvent, event);
    if (!parsed.ok || Number.isNaN(Date.parse(parsed.value.occurredAt))) {
      const problem = parsed.ok ? 'occurredAt is not a date' : parsed.problem;
      log.warn({ eventId: event.id, type: event.type, problem }, 'skipping malformed order event');
      return;
    }
    const { id, type, orderId, userId, occurredAt } = parsed.value;
    const recorded = await store.record(userId, { id, type, orderId, createdAt: occurredAt });
    log.debug({ eventId: event.id, recorded }, 'order notification');
  };
}
