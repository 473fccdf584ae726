// Turns order events into notifications for the order's user.
import { Type } from '@shopmesh/service-kit';
import type { EventEnvelope } from '@shopmesh/service-kit/kafka';
import { Value } from '@sinclair/typebox/value';
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
    if (!Value.Check(OrderEvent, event) || Number.isNaN(Date.parse(event.occurredAt))) {
      const problem = Value.Errors(OrderEvent, event).First();
      log.warn({ eventId: event.id, type: event.type, problem: problem ? `${problem.path}: ${problem.message}` : 'occurredAt is not a date' }, 'skipping malformed order event');
      return;
    }
    const recorded = await store.record(event.userId, {
      id: event.id,
      type: event.type,
      orderId: event.orderId,
      createdAt: event.occurredAt,
    });
    log.debug({ eventId: event.id, recorded }, 'order notification');
  };
}
