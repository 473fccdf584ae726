// Transactional outbox: a service writes its change and the event in ONE database transaction
// (`enqueueEvent`), and a relay publishes pending events to Kafka, so an event is never lost when
// Kafka is down and never sent for a change that was rolled back. Delivery is at-least-once.
import { asc, inArray } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { createEventProducer, createKafka, type EventEnvelope, type EventProducer } from './kafka.ts';
import type { ServiceHooks } from './service.ts';

/** Pending events. Re-export it from a producing service's `src/db/schema.ts`. */
export const outboxEvents = pgTable(
  'outbox_events',
  {
    id: text('id').primaryKey(), // the event id
    topic: text('topic').notNull(),
    key: text('key').notNull(),
    event: jsonb('event').$type<EventEnvelope>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('outbox_events_created_at_idx').on(table.createdAt)],
);

type Db = NodePgDatabase<Record<string, unknown>>;
type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** Adds an event to the outbox inside the caller's transaction. */
export async function enqueueEvent(tx: Pick<Tx, 'insert'>, topic: string, event: EventEnvelope, key: string): Promise<void> {
  await tx.insert(outboxEvents).values({ id: event.id, topic, key, event });
}

interface Logger {
  warn(obj: object, msg?: string): void;
}

export interface OutboxRelay {
  /** Publishes pending events now instead of at the next tick (call after a commit). */
  wake(): void;
  /** Publishes every pending event; resolves with how many were sent. */
  flush(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Publishes pending outbox events in creation order, in batches, deleting them once Kafka
 * acknowledged. Several replicas may run relays on one database: `SKIP LOCKED` gives each
 * batch to one of them.
 */
export function startOutboxRelay<S extends Record<string, unknown>>(options: {
  db: NodePgDatabase<S>;
  producer: EventProducer;
  log?: Logger;
  intervalMs?: number;
  batchSize?: number;
}): OutboxRelay {
  const db = options.db as unknown as Db;
  const batchSize = options.batchSize ?? 100;
  let closed = false;
  let running: Promise<number> | undefined;
  let failures = 0;

  const publishBatch = (): Promise<number> =>
    db.transaction(async (tx) => {
      const batch = await tx
        .select()
        .from(outboxEvents)
        .orderBy(asc(outboxEvents.createdAt))
        .limit(batchSize)
        .for('update', { skipLocked: true });
      for (const row of batch) await options.producer.publish(row.topic, row.event, row.key);
      if (batch.length > 0) {
        await tx.delete(outboxEvents).where(inArray(outboxEvents.id, batch.map((row) => row.id)));
      }
      return batch.length;
    });

  const flush = async (): Promise<number> => {
    running ??= (async () => {
      let sent = 0;
      try {
        for (let batch = await publishBatch(); batch > 0; batch = await publishBatch()) sent += batch;
        failures = 0;
      } finally {
        running = undefined;
      }
      return sent;
    })();
    return running;
  };

  const tick = async (): Promise<void> => {
    try {
      await flush();
    } catch (error) {
      failures++;
      // Kafka or the database is away: say so now and then, retry with a growing pause.
      if (failures === 1 || failures % 20 === 0) {
        options.log?.warn({ err: error instanceof Error ? error.message : String(error), failures }, 'outbox relay cannot publish');
      }
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    if (closed) return;
    const pause = (options.intervalMs ?? 500) * Math.min(2 ** failures, 20);
    timer = setTimeout(() => void tick().finally(schedule), pause);
    timer.unref();
  };
  schedule();

  return {
    wake() {
      if (!closed) void tick();
    },
    flush,
    async close() {
      closed = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}

/**
 * The publishing side of a service with PostgreSQL: a Kafka producer (`topics` created before its
 * first send; no readiness check: the outbox exists so that writes go on while Kafka is away) and the relay of `db`'s outbox. Call it after
 * registering the pool's close: at shutdown the relay stops first, then the producer, then the pool.
 */
export function startOutbox<S extends Record<string, unknown>>(
  service: ServiceHooks,
  options: { db: NodePgDatabase<S>; brokers: string; clientId: string; topics: string[] },
): OutboxRelay {
  const kafka = createKafka({ brokers: options.brokers, clientId: options.clientId, log: service.log });
  const producer = createEventProducer(kafka, { topics: options.topics });
  service.onClose(producer.close);
  const relay = startOutboxRelay({ db: options.db, producer, log: service.log });
  service.onClose(relay.close);
  return relay;
}
