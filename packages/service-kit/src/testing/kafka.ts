// Kafka for tests: topics of their own per run, and a consumer that records what was published.
import { createEventProducer, createKafka, ensureTopics, startEventConsumer, type EventEnvelope } from '../kafka.ts';
import { eventually } from './eventually.ts';
import { uniqueSuffix } from './names.ts';

export type RecordedEvent = EventEnvelope & Record<string, unknown>;

export interface EventCollector {
  /** Every event consumed so far, in the order consumed. */
  events: RecordedEvent[];
  /** Resolves with the matching events once there are `count` of them; throws after the timeout. */
  waitFor(match: (event: RecordedEvent) => boolean, count?: number, timeoutMs?: number): Promise<RecordedEvent[]>;
  /**
   * Resolves once every event that was on the topic when it was called has been recorded: the
   * barrier before a "nothing more arrived" check (what was published is in, so look now), in place
   * of a pause that hopes it was long enough. Throws after the timeout naming the partition behind.
   */
  caughtUp(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Records the events of `topic` with a consumer group of its own, from the beginning of the
 * topic, so nothing published after this call can be missed.
 */
export async function collectEvents(brokers: string, topic: string): Promise<EventCollector> {
  const suffix = uniqueSuffix();
  const kafka = createKafka({ brokers, clientId: `test-${suffix}` });
  await ensureTopics(kafka, [topic]);
  const events: RecordedEvent[] = [];
  const groupId = `test-${topic}-${suffix}`;
  const consumer = await startEventConsumer({
    kafka,
    groupId,
    topics: [topic],
    fromBeginning: true,
    // Whatever is on the topic is recorded as it is (dead letters have no id or type).
    decode: (value) => ({ kind: 'event', event: value as RecordedEvent }),
    handle: async (event) => void events.push(event),
  });
  return {
    events,
    waitFor: (match, count = 1, timeoutMs = 30_000) =>
      eventually(
        () => {
          const found = events.filter(match);
          if (found.length < count) {
            throw new Error(`expected ${count} matching event(s) on ${topic} within ${timeoutMs} ms, saw ${found.length}`);
          }
          return found;
        },
        { timeoutMs },
      ),
    async caughtUp(timeoutMs = 30_000) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const ends = await admin.fetchTopicOffsets(topic);
        // The group commits a message's offset once the collector recorded it (after its batch).
        await eventually(
          async () => {
            const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
            for (const { partition, low, high } of ends) {
              const next = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
              if (Number(high) > Number(low) && next < Number(high)) {
                throw new Error(`${topic} partition ${partition}: recorded up to offset ${next}, it held ${high} when caughtUp was called (after ${timeoutMs} ms)`);
              }
            }
          },
          { timeoutMs },
        );
      } finally {
        await admin.disconnect();
      }
    },
    close: () => consumer.close(),
  };
}

export interface TestTopics<Name extends string> {
  /** The unique topic name standing in for each contract topic name. */
  names: Record<Name, string>;
  /** Publishes an event (built with `newEvent`; publishing the same one again is a redelivery). */
  publish(topic: Name, event: EventEnvelope, key?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * One single-partition topic per contract name (so events are consumed in the order they are
 * published) under a unique name, and a producer for them. Give `names` to the service under
 * test through its topic variables (`topicVar`).
 */
export async function createTestTopics<Name extends string>(brokers: string, topics: Name[]): Promise<TestTopics<Name>> {
  const suffix = uniqueSuffix();
  const names = Object.fromEntries(topics.map((topic) => [topic, `${topic}-test-${suffix}`])) as Record<Name, string>;
  const kafka = createKafka({ brokers, clientId: `test-producer-${suffix}` });
  await ensureTopics(kafka, Object.values(names), 1);
  const producer = createEventProducer(kafka);
  return {
    names,
    publish: (topic, event, key) => producer.publish(names[topic], event, key),
    close: () => producer.close(),
  };
}
