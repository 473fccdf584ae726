// Bounded retries of transient broker answers, and waiting for partition leaders on the test
// environment's real Kafka broker.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import kafkajs from 'kafkajs';
import { server } from '@shopmesh/testkit';
import { createKafka, ensureTopics } from '../src/kafka.ts';
import { isTransientKafkaError, retryRetriable, waitForTopicLeaders } from '../src/kafka-admin.ts';
import { uniqueSuffix } from '../src/testing.ts';

const brokers = server('KAFKA_BROKERS');
const withKafka = brokers ? test : test.skip;
// The error classes are spread into kafkajs's CommonJS exports, which ESM sees only on the default.
const { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;

// kafkajs builds its protocol errors from the broker's error code table; these are the shapes it throws.
const notLeader = (): kafkajs.KafkaJSProtocolError =>
  new KafkaJSProtocolError(
    Object.assign(new Error('This server is not the leader for that topic-partition'), { type: 'NOT_LEADER_FOR_PARTITION', code: 6, retriable: true }),
  );
const exhausted = (): kafkajs.KafkaJSNumberOfRetriesExceeded =>
  new KafkaJSNumberOfRetriesExceeded(notLeader(), { retryCount: 5, retryTime: 1000 });

test('"not the leader", also inside kafkajs\'s exhausted-retries wrapper, is transient; a bad request is not', () => {
  assert.ok(isTransientKafkaError(notLeader()));
  assert.ok(isTransientKafkaError(exhausted()));
  const invalid = new KafkaJSProtocolError(Object.assign(new Error('invalid partitions'), { type: 'INVALID_PARTITIONS', code: 37, retriable: false }));
  assert.not.ok(isTransientKafkaError(invalid));
  assert.not.ok(isTransientKafkaError(new Error('boom')));
});

test('retryRetriable retries "not the leader" answers until the call succeeds', async () => {
  let calls = 0;
  const result = await retryRetriable('reading offsets', async () => {
    calls += 1;
    if (calls < 4) throw calls % 2 ? notLeader() : exhausted();
    return 'offsets';
  }, { initialDelayMs: 5 });
  assert.is(result, 'offsets');
  assert.is(calls, 4);
});

test('retryRetriable gives up at its deadline with what it was doing and the broker\'s answer', async () => {
  let calls = 0;
  const started = Date.now();
  const error = await retryRetriable('resetting group g1', async () => {
    calls += 1;
    throw notLeader();
  }, { timeoutMs: 300, initialDelayMs: 20, maxDelayMs: 50 }).then(() => undefined, (e: unknown) => e as Error);
  assert.instance(error, Error);
  assert.match(error!.message, 'resetting group g1');
  assert.match(error!.message, 'not the leader');
  assert.ok(calls > 2, `retried (${calls} calls)`);
  assert.ok(Date.now() - started < 1_000, 'bounded by its deadline');
});

test('retryRetriable does not retry an error that is not transient', async () => {
  let calls = 0;
  const error = await retryRetriable('x', async () => {
    calls += 1;
    throw new Error('authorization failed');
  }).then(() => undefined, (e: unknown) => e as Error);
  assert.is(error?.message, 'authorization failed');
  assert.is(calls, 1);
});

withKafka('ensureTopics returns only once every partition of a new topic serves reads and writes (real Kafka)', async () => {
  const suffix = uniqueSuffix();
  const topic = `kit-leaders-${suffix}`;
  const kafka = createKafka({ brokers: brokers!, clientId: `kit-leaders-${suffix}` });
  await ensureTopics(kafka, [topic], 6);
  const admin = kafka.admin({ retry: { retries: 0 } });
  const producer = kafka.producer({ retry: { retries: 0 } });
  await admin.connect();
  await producer.connect();
  try {
    // No retries here: the leaders must already serve.
    const offsets = await admin.fetchTopicOffsets(topic);
    assert.is(offsets.length, 6);
    for (let partition = 0; partition < 6; partition++) {
      await producer.send({ topic, messages: [{ partition, value: 'x' }] });
    }
    const after = await admin.fetchTopicOffsets(topic);
    assert.ok(after.every((p) => p.high === '1'), JSON.stringify(after));
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
  }
});

withKafka('waitForTopicLeaders keeps waiting for a topic that has no leader, then fails naming it (real Kafka)', async () => {
  const suffix = uniqueSuffix();
  const topic = `kit-leaderless-${suffix}`;
  const kafka = createKafka({ brokers: brokers!, clientId: `kit-leaders-${suffix}` });
  const admin = kafka.admin({ retry: { retries: 0 } });
  await admin.connect();
  try {
    const started = Date.now();
    const error = await waitForTopicLeaders(admin, [topic], { timeoutMs: 1_500, initialDelayMs: 50 }).then(() => undefined, (e: unknown) => e as Error);
    assert.instance(error, Error);
    assert.match(error!.message, topic);
    assert.ok(Date.now() - started >= 1_000, 'it waited instead of failing at once');
  } finally {
    await admin.disconnect();
  }
});

test.run();
