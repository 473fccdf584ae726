// Applies order and review events (checked against the kit's `events.ts` by its consumer) to the
// aggregates, each in one transaction with its processed-event record, so a redelivered event is
// never counted twice.
import { markEventProcessed } from '@shopmesh/service-kit/db';
import type { ShopEvent } from '@shopmesh/service-kit/events';
import { recordPaidOrder, recordRating, type StatsDb } from './aggregates.ts';
import { announcesPayment } from './events.ts';

interface Logger {
  debug(obj: object, msg?: string): void;
}

export type StatsEventHandler = (event: ShopEvent) => Promise<void>;

export function createStatsEventHandler(db: StatsDb, log: Logger): StatsEventHandler {
  return async (event) => {
    if (event.type === 'review.created') {
      await db.transaction(async (tx) => {
        if (!(await markEventProcessed(tx, event.id))) return;
        const counted = await recordRating(tx, event);
        log.debug({ eventId: event.id, productId: event.productId, counted }, 'rating applied');
      });
    } else if ('orderId' in event) {
      if (!announcesPayment(event)) return;
      await db.transaction(async (tx) => {
        if (!(await markEventProcessed(tx, event.id))) return;
        const counted = await recordPaidOrder(tx, event);
        log.debug({ eventId: event.id, orderId: event.orderId, counted }, 'paid order applied');
      });
    }
  };
}
