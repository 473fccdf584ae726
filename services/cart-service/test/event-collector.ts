// Interim (until the kit's testing module has one): a real Kafka consumer for tests that records
// the events of one topic and waits for those matching a predicate.
import { createKafka, ensureTopics, startEventConsumer, type EventConsumer, type EventEnvelope } from '@shopmesh/service-kit/kafka';
import { uniqueSuffix } from '@shopmesh/service-kit/testing';

export type RecordedEvent = EventEnvelope & Record<string, unknown>;

export interface EventCollector {
  events: RecordedEvent[];
  /** Resolves with the matching events once there are `count` of them; throws after the timeout. */
  waitFor(match: (event: RecordedEvent) => boolean, count?: number, timeoutMs?: number): Promise<RecordedEvent[]>;
  close(): Promise<void>;
}

export async function collectEvents(kafkaBrokers: string, topic: string): Promise<EventCollector> {
  const kafka = createKafka({ brokers: kafkaBrokers, clientId: `test-${uniqueSuffix()}` });
  await ensureTopics(kafka, [topic]);
  const events: RecordedEvent[] = [];
  // A group of its own, from the beginning: nothing published after this call can be missed.
  const consumer: EventConsumer = await startEventConsumer({
    kafka,
    groupId: `test-${topic}-${uniqueSuffix()}`,
    topics: [topic],
    fromBeginning: true,
    handle: async (event) => void events.push(event),
  });
  return {
    events,
    async waitFor(match, count = 1, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.filter(match);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          throw new Error(`expected ${count} matching event(s) on ${topic} within ${timeoutMs} ms, saw ${found.length}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: () => consumer.close(),
  };
}
