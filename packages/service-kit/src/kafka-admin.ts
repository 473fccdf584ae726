// Topic and group administration that survives a broker that has just started or just created a
// topic. For a few seconds after a topic is created (and, on a freshly formatted broker, while the
// group coordinator's internal topic comes up), a broker answers "This server is not the leader
// for that topic-partition", "leader not available" or "coordinator not available", even after
// createTopics({ waitForLeaders: true }) returned: kafkajs only waits for the metadata to name a
// leader, not for that leader to serve. Every call that follows a creation, deletion or reset goes
// through `retryRetriable`, and `waitForTopicLeaders` waits until each partition's leader answers.
import type { Admin } from 'kafkajs';

export interface RetryOptions {
  /** Give up after this long (the last error is thrown, with what was being done). */
  timeoutMs?: number;
  /** First pause between tries; doubled each time up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

interface KafkaErrorShape {
  retriable?: unknown;
  type?: unknown;
  originalError?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** Protocol answers that mean "not yet" on a starting broker or a new topic. */
const TRANSIENT_TYPES = new Set([
  'NOT_LEADER_FOR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'COORDINATOR_NOT_AVAILABLE',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'NOT_COORDINATOR_FOR_GROUP',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'GROUP_LOAD_IN_PROGRESS',
  'REBALANCE_IN_PROGRESS',
  'REQUEST_TIMED_OUT',
]);

/**
 * True when `error`, or an error it wraps (kafkajs wraps exhausted retries and per-topic errors),
 * is a transient broker answer. kafkajs marks an exhausted retriable error as non-retriable in its
 * wrapper, so the chain is searched rather than the outer flag trusted.
 */
export function isTransientKafkaError(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  const shape = error as KafkaErrorShape;
  if (typeof shape.type === 'string' && TRANSIENT_TYPES.has(shape.type)) return true;
  if (shape.retriable === true && typeof shape.type === 'string') return true;
  const inner = [shape.originalError, shape.cause, ...(Array.isArray(shape.errors) ? (shape.errors as unknown[]) : [])];
  return inner.some((e) => isTransientKafkaError(e, depth + 1));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `operation`, retrying transient broker answers with a bounded exponential back-off. */
export async function retryRetriable<T>(what: string, operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { timeoutMs = 30_000, initialDelayMs = 100, maxDelayMs = 2_000 } = options;
  const deadline = Date.now() + timeoutMs;
  let delay = initialDelayMs;
  let tries = 0;
  for (;;) {
    tries += 1;
    try {
      return await operation();
    } catch (error) {
      if (!isTransientKafkaError(error)) throw error;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`${what}: the broker still answered "${(error as Error).message}" after ${tries} tries in ${timeoutMs} ms`, {
          cause: error,
        });
      }
      await sleep(Math.min(delay, remaining));
      delay = Math.min(delay * 2, maxDelayMs);
    }
  }
}

/**
 * Waits until every partition of `topics` has a leader that serves: a ListOffsets request, which
 * only the partition's leader answers, succeeds for each topic.
 */
export async function waitForTopicLeaders(admin: Admin, topics: readonly string[], options: RetryOptions = {}): Promise<void> {
  for (const topic of topics) {
    await retryRetriable(`waiting for the leaders of topic ${topic}`, () => admin.fetchTopicOffsets(topic), options);
  }
}
