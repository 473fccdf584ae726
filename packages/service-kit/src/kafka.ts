// Kafka with kafkajs: an event envelope, a producer that reconnects by itself, and an
// at-least-once consumer (handlers must be idempotent by event id; see db.ts markEventProcessed).
import { randomUUID } from 'node:crypto';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Kafka, Partitioners, logLevel, type Admin, type Producer, type Consumer, type LogEntry } from 'kafkajs';
import { waitForTopicLeaders } from './kafka-admin.ts';
import type { ServiceHooks } from './service.ts';

/** The contract's topics. Consumers read theirs from a variable defaulting to these (`topicVar`). */
export const TOPICS = {
  productEvents: 'product-events',
  orderEvents: 'order-events',
  reviewEvents: 'review-events',
} as const;

/** Every event on every topic: `id` is the event's own id, unique, used to drop redeliveries. */
export interface EventEnvelope {
  id: string;
  type: string;
  occurredAt: string;
}

export function newEvent<T extends Record<string, unknown>>(type: string, payload: T): EventEnvelope & T {
  return { ...payload, id: randomUUID(), type, occurredAt: new Date().toISOString() };
}

/**
 * A consumed event checked against the TypeBox `schema` of what the consumer reads, or the first
 * problem found (`/items/0/quantity: ...`) for the log. A malformed event should be logged and
 * skipped: throwing would have it redelivered forever.
 */
export function parseEvent<S extends TSchema>(
  schema: S,
  event: unknown,
): { ok: true; value: Static<S> } | { ok: false; problem: string } {
  if (Value.Check(schema, event)) return { ok: true, value: event };
  const first = Value.Errors(schema, event).First();
  return { ok: false, problem: first ? `${first.path || '/'}: ${first.message}` : 'invalid event' };
}

interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export function createKafka(options: { brokers: string; clientId: string; log?: Logger }): Kafka {
  const log = options.log;
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers.split(',').map((broker) => broker.trim()),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      if (!log) return;
      const { message, ...rest } = entry.log;
      const write = entry.level <= logLevel.ERROR ? log.error : log.warn;
      write.call(log, { kafka: entry.namespace, ...rest }, message);
    },
  });
}

/** Creates missing topics and waits until their partitions' leaders serve; existing ones are left alone. */
export async function ensureTopics(kafka: Kafka, topics: string[], numPartitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin
        .createTopics({ topics: missing.map((topic) => ({ topic, numPartitions })), waitForLeaders: true })
        .catch((error: unknown) => {
          // Another process created it between our listing and our request: that is fine.
          if (!(error instanceof Error && /already exists/i.test(`${error.message} ${JSON.stringify(error)}`))) throw error;
        });
      await waitForTopicLeaders(admin, missing);
    }
  } finally {
    await admin.disconnect();
  }
}

/** Runs `connect` once at a time; a failed connection is retried by the next caller. */
function lazyConnection(connect: () => Promise<void>): { ensure(): Promise<void>; reset(): void } {
  let connecting: Promise<void> | undefined;
  return {
    ensure() {
      connecting ??= connect().catch((error: unknown) => {
        connecting = undefined;
        throw error;
      });
      return connecting;
    },
    reset() {
      connecting = undefined;
    },
  };
}

export interface EventProducer {
  publish(topic: string, event: EventEnvelope, key?: string): Promise<void>;
  /** Readiness: the cluster answers a metadata request. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A producer that connects on first use and after an outage. `topics` are created (when
 * missing) before the first send, so publishing does not depend on the broker auto-creating them.
 */
export function createEventProducer(kafka: Kafka, options: { topics?: string[] } = {}): EventProducer {
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: true,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const admin: Admin = kafka.admin();
  const producerConnection = lazyConnection(async () => {
    await producer.connect();
    if (options.topics?.length) await ensureTopics(kafka, options.topics);
  });
  const adminConnection = lazyConnection(() => admin.connect());
  producer.on(producer.events.DISCONNECT, () => producerConnection.reset());

  return {
    async publish(topic, event, key) {
      await producerConnection.ensure();
      await producer.send({ topic, messages: [{ key: key ?? event.id, value: JSON.stringify(event) }] });
    },
    async check() {
      try {
        await adminConnection.ensure();
        await admin.describeCluster();
      } catch (error) {
        adminConnection.reset();
        await admin.disconnect().catch(() => undefined);
        throw error;
      }
    },
    async close() {
      await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    },
  };
}

export interface EventConsumer {
  /** Readiness: the consumer is in its group and fetching. */
  check(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Consumes `topics` as `groupId`, one message at a time, committing after `handle` returns. A
 * throwing handler makes kafkajs redeliver the message: handlers must be idempotent. Missing
 * topics are created before subscribing, so a consumer may start before any producer; while the
 * broker is unreachable it keeps retrying in the background (`check` reports it).
 */
export async function startEventConsumer(options: {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  handle(event: EventEnvelope & Record<string, unknown>, topic: string): Promise<void>;
  log?: Logger;
  fromBeginning?: boolean;
}): Promise<EventConsumer> {
  const consumer: Consumer = options.kafka.consumer({ groupId: options.groupId });
  let running = false;
  let lastError: string | undefined;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    running = true;
    lastError = undefined;
  });
  let closed = false;
  consumer.on(consumer.events.CRASH, (event) => {
    running = false;
    lastError = String(event.payload.error);
    // kafkajs restarts the consumer itself only after a retriable error. After another one (the
    // group coordinator not available yet, while a new broker creates __consumer_offsets) it
    // stays stopped for good: start it again, as at start-up.
    if (!event.payload.restart && !closed) {
      options.log?.warn({ err: lastError }, 'kafka consumer crashed; starting it again');
      void consumer.disconnect().catch(() => undefined).then(() => startWithRetry());
    }
  });
  consumer.on(consumer.events.STOP, () => {
    running = false;
  });

  const start = async (): Promise<void> => {
    await ensureTopics(options.kafka, options.topics);
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (!message.value) return;
        let event: EventEnvelope & Record<string, unknown>;
        try {
          event = JSON.parse(message.value.toString('utf8'));
        } catch {
          options.log?.warn({ topic, offset: message.offset }, 'skipping a message that is not JSON');
          return;
        }
        if (typeof event.id !== 'string' || typeof event.type !== 'string') {
          options.log?.warn({ topic, offset: message.offset }, 'skipping an event without id or type');
          return;
        }
        await options.handle(event, topic);
      },
    });
  };
  // The broker may be down at start-up: keep trying in the background; readiness reports it.
  const startWithRetry = async (): Promise<void> => {
    for (let attempt = 1; !closed; attempt++) {
      try {
        await start();
        return;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        options.log?.warn({ attempt, err: lastError }, 'kafka consumer could not start; retrying');
        await consumer.disconnect().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000 * attempt, 10_000)));
      }
    }
  };
  void startWithRetry();

  return {
    async check() {
      if (!running) throw new Error(`kafka consumer not running${lastError ? `: ${lastError}` : ''}`);
    },
    async close() {
      closed = true;
      await consumer.disconnect().catch(() => undefined);
    },
  };
}

/**
 * A service's event consumer (see `startEventConsumer`), with the readiness check `kafka` and
 * closed at shutdown.
 */
export async function consumeEvents(
  service: ServiceHooks,
  options: {
    brokers: string;
    clientId: string;
    groupId: string;
    topics: string[];
    handle(event: EventEnvelope & Record<string, unknown>, topic: string): Promise<void>;
  },
): Promise<EventConsumer> {
  const { brokers, clientId, ...consumerOptions } = options;
  const consumer = await startEventConsumer({
    kafka: createKafka({ brokers, clientId, log: service.log }),
    log: service.log,
    ...consumerOptions,
  });
  // Not a readiness check: the service answers from its own store while the broker is away, and
  // the consumer catches up when it is back.
  service.onClose(consumer.close);
  return consumer;
}
