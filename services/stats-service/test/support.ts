// Test helpers of a Kafka-consuming service: topics of its own per run, a producer speaking the
// kit's envelope, and polling for an event's effect. (Candidates for @shopmesh/service-kit/testing.)
import type { App } from '@shopmesh/service-kit';
import { createEventProducer, createKafka, ensureTopics, type EventEnvelope } from '@shopmesh/service-kit/kafka';
import { uniqueSuffix } from '@shopmesh/service-kit/testing';

/** Runs `check` until it stops throwing; at the deadline rethrows its last failure. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Waits for `/readyz` to answer 200 (stores reachable, consumer in its group). */
export async function waitUntilReady(app: App, timeoutMs = 60_000): Promise<void> {
  await eventually(async () => {
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    if (response.statusCode !== 200) throw new Error(`/readyz answered ${response.statusCode}: ${response.body}`);
  }, timeoutMs);
}

export interface TestTopics<Name extends string> {
  /** The unique topic name of each contract topic name. */
  names: Record<Name, string>;
  /** Publishes an event (built with the kit's `newEvent`; publishing it again is a redelivery). */
  publish(topic: Name, event: EventEnvelope, key?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Creates one single-partition topic per name (so events are consumed in the order they are
 * published) with a unique suffix, and a producer for them.
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
