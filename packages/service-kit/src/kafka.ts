// Kafka with kafkajs: an event envelope, a producer that reconnects by itself, and an
// at-least-once consumer (handlers must be idempotent by event id; see db.ts markEventProcessed).
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Admin, type Producer, type Consumer, type EachMessagePayload, type KafkaMessage, type LogEntry } from 'kafkajs';
import { isConnectionError } from './errors.ts';
import { decodeEvent, type ShopEvent } from './events.ts';
import { runInTrace, traceOf } from './trace.ts';
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

/** An event of any type (tests' made-up ones); the shop's own events are built with `events.ts`. */
export function newEvent<T extends Record<string, unknown>>(type: string, payload: T): EventEnvelope & T {
  return { ...payload, id: randomUUID(), type, occurredAt: new Date().toISOString() };
}

interface Logger {
  debug?(obj: object, msg?: string): void;
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
  /** Sends a message as given (tests' malformed messages, dead letters). */
  publishRaw(topic: string, value: string, key?: string): Promise<void>;
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
    async publishRaw(topic, value, key) {
      await producerConnection.ensure();
      await producer.send({ topic, messages: [{ key: key ?? null, value }] });
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

/** Where a topic's dead letters go: `<topic>.dlq`. */
export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

/** The value of a dead-letter message: where the message came from, why it failed, and the message itself. */
export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  groupId: string;
  key: string | null;
  error: string;
  attempts: number;
  failedAt: string;
  /** The original message value, as text. */
  value: string;
}

/** What `decode` makes of a message: handle it, skip it (not for this consumer), or dead-letter it. */
export type Decoded<E> = { kind: 'event'; event: E } | { kind: 'skip'; reason: string } | { kind: 'invalid'; problem: string };

const decodeEnvelope = (value: unknown): Decoded<EventEnvelope & Record<string, unknown>> => {
  const event = value as Partial<EventEnvelope> | null;
  if (typeof event !== 'object' || event === null || typeof event.id !== 'string' || typeof event.type !== 'string') {
    return { kind: 'invalid', problem: 'an event needs a string id and type' };
  }
  return { kind: 'event', event: event as EventEnvelope & Record<string, unknown> };
};

/**
 * Consumes `topics` as `groupId`, one message at a time, committing after it is handled.
 *
 * A message that is not JSON or that `decode` finds invalid goes straight to the dead-letter
 * topic (`deadLetterTopic(topic)`) with the problem; so does one whose handler threw
 * `maxAttempts` times (pausing between attempts). Its offset is then committed and the consumer
 * goes on: one poison message never blocks its partition. A handler failing because a store is
 * unreachable (`isConnectionError`) is not the message's fault: kafkajs redelivers it until the
 * store is back. Handlers must be idempotent (at-least-once). Missing topics are created before
 * subscribing, so a consumer may start before any producer; while the broker is unreachable it
 * keeps retrying in the background (`check` reports it).
 */
export async function startEventConsumer<E = EventEnvelope & Record<string, unknown>>(options: {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  handle(event: E, topic: string): Promise<void>;
  /** Checks a message's parsed JSON; by default any object with a string id and type is handled. */
  decode?: (value: unknown) => Decoded<E>;
  /** Attempts of the handler before a message is dead-lettered (default 3). */
  maxAttempts?: number;
  /** Pause before the second attempt, doubled for each next one (default 200 ms). */
  retryDelayMs?: number;
  log?: Logger;
  fromBeginning?: boolean;
}): Promise<EventConsumer> {
  const decode = options.decode ?? (decodeEnvelope as unknown as (value: unknown) => Decoded<E>);
  const maxAttempts = options.maxAttempts ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 200;
  const consumer: Consumer = options.kafka.consumer({ groupId: options.groupId });
  const deadLetters = createEventProducer(options.kafka, { topics: options.topics.map(deadLetterTopic) });
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

  const deadLetter = async (message: KafkaMessage, where: { topic: string; partition: number }, error: string, attempts: number) => {
    const letter: DeadLetter = {
      topic: where.topic,
      partition: where.partition,
      offset: message.offset,
      groupId: options.groupId,
      key: message.key?.toString('utf8') ?? null,
      error,
      attempts,
      failedAt: new Date().toISOString(),
      value: message.value?.toString('utf8') ?? '',
    };
    await deadLetters.publishRaw(deadLetterTopic(where.topic), JSON.stringify(letter), letter.key ?? undefined);
    options.log?.error({ topic: where.topic, partition: where.partition, offset: message.offset, error, attempts }, 'message sent to the dead-letter topic');
  };

  const handleMessage = async ({ topic, partition, message }: EachMessagePayload): Promise<void> => {
    if (!message.value) return;
    let value: unknown;
    try {
      value = JSON.parse(message.value.toString('utf8'));
    } catch {
      return deadLetter(message, { topic, partition }, 'not JSON', 0);
    }
    const decoded = decode(value);
    if (decoded.kind === 'skip') {
      options.log?.debug?.({ topic, offset: message.offset, reason: decoded.reason }, 'message skipped');
      return;
    }
    if (decoded.kind === 'invalid') return deadLetter(message, { topic, partition }, `invalid event: ${decoded.problem}`, 0);
    for (let attempt = 1; ; attempt++) {
      try {
        await options.handle(decoded.event, topic);
        return;
      } catch (error) {
        if (isConnectionError(error)) throw error; // a store is away: redelivered once it is back
        const text = error instanceof Error ? error.message : String(error);
        if (attempt >= maxAttempts) return deadLetter(message, { topic, partition }, text, attempt);
        options.log?.warn({ topic, offset: message.offset, attempt, err: text }, 'event handler failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  };

  const start = async (): Promise<void> => {
    await ensureTopics(options.kafka, options.topics);
    await consumer.connect();
    await consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
    await consumer.run({ eachMessage: handleMessage });
  };
  // The broker may be down at start-up: keep trying in the background; readiness reports it.
  const startWithRetry = async (): Promise<void> => {
    for (let attempt = 1; !closed; attempt++) {
      try {
        await start();
        // Closed while it was connecting: the disconnect in close() came too early to stop it.
        if (closed) await consumer.disconnect().catch(() => undefined);
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
      await deadLetters.close();
    },
  };
}

/**
 * A service's event consumer (see `startEventConsumer`), with the readiness check `kafka` and
 * closed at shutdown. Every message is checked against its type's schema in `events.ts` first:
 * the handler gets only valid events of the types defined there; invalid ones are dead-lettered,
 * types this build does not know are skipped.
 */
export async function consumeEvents(
  service: ServiceHooks,
  options: {
    brokers: string;
    clientId: string;
    groupId: string;
    topics: string[];
    handle(event: ShopEvent, topic: string): Promise<void>;
    maxAttempts?: number;
  },
): Promise<EventConsumer> {
  const { brokers, clientId, handle, ...consumerOptions } = options;
  const consumer = await startEventConsumer<ShopEvent>({
    // An event caused by a request is handled in that request's trace: the consumer's log lines
    // carry its reqId and traceId, and calls it makes forward them.
    handle: (event, topic) =>
      event.traceparent || event.requestId
        ? runInTrace(traceOf({ traceparent: event.traceparent }, event.requestId ?? event.id), () => handle(event, topic))
        : handle(event, topic),
    kafka: createKafka({ brokers, clientId, log: service.log }),
    log: service.log,
    decode: (value) => {
      const decoded = decodeEvent(value);
      return decoded.kind === 'unknown' ? { kind: 'skip', reason: `unknown event type ${decoded.type}` } : decoded;
    },
    ...consumerOptions,
  });
  // Not a readiness check: the service answers from its own store while the broker is away, and
  // the consumer catches up when it is back.
  service.onClose(consumer.close);
  return consumer;
}
