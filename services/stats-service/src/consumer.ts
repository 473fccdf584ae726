// Applies order and review events to the aggregates, each in one transaction with its
// processed-event record, so a redelivered event is never counted twice.
import { markEventProcessed } from '@shopmesh/service-kit/db';
import { parseEvent, type EventEnvelope } from '@shopmesh/service-kit/kafka';
import { recordPaidOrder, recordRating, type StatsDb } from './aggregates.ts';
import { OrderEvent, ReviewCreatedEvent, announcesPayment } from './events.ts';

interface Logger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export type StatsEventHandler = (event: EventEnvelope & Record<string, unknown>) => Promise<void>;

export function createStatsEventHandler(db: StatsDb, log: Logger): StatsEventHandler {
  return async (event) => {
    if (event.type.startsWith('order.')) {
      const parsed = parseEvent(OrderEvent, event);
      // A malformed event is logged and skipped: throwing would redeliver it forever.
      if (!parsed.ok) return log.warn({ eventId: event.id, type: event.type, problem: parsed.problem }, 'skipping malformed order event');
      if (!announcesPayment(parsed.value)) return;
      const order = parsed.value;
      await db.transaction(async (tx) => {
        if (!(await markEventProcessed(tx, event.id))) return;
        const counted = await recordPaidOrder(tx, order);
        log.debug({ eventId: event.id, orderId: order.orderId, counted }, 'paid order applied');
      });
    } else if (event.type === 'review.created') {
      const parsed = parseEvent(ReviewCreatedEvent, event);
      if (!parsed.ok) return log.warn({ eventId: event.id, type: event.type, problem: parsed.problem }, 'skipping malformed review event');
      const review = parsed.value;
      await db.transaction(async (tx) => {
        if (!(await markEventProcessed(tx, event.id))) return;
        const counted = await recordRating(tx, review);
        log.debug({ eventId: event.id, productId: review.productId, counted }, 'rating applied');
      });
    }
  };
}
