// Poison messages against the test environment's real Kafka: checked by the shared event schemas,
// dead-lettered with their error, offset committed, and the next message processed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { orderEvent, type ShopEvent } from '../src/events.ts';
import { consumeEvents, createEventProducer, createKafka, deadLetterTopic, ensureTopics, startEventConsumer, type DeadLetter } from '../src/kafka.ts';
import { eventually, uniqueSuffix } from '../src/testing.ts';

const brokers = server('KAFKA_BROKERS');
const it = brokers ? test : test.skip;

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A service-shaped context: readiness checks and close hooks recorded. */
function hooks() {
  const closes: (() => Promise<unknown>)[] = [];
  const checks = new Map<string, () => Promise<void>>();
  return {
    service: { log: silent as never, addReadinessCheck: (name: string, check: () => Promise<void>) => void checks.set(name, check), onClose: (close: () => Promise<unknown>) => void closes.push(close) },
    checks,
    close: async () => {
      for (const close of closes.reverse()) await close();
    },
  };
}

async function readDeadLetters(topic: string, groupId: string) {
  const kafka = createKafka({ brokers: brokers!, clientId: groupId });
  const letters: DeadLetter[] = [];
  const consumer = await startEventConsumer<DeadLetter>({
    kafka,
    groupId,
    topics: [deadLetterTopic(topic)],
    decode: (value) => ({ kind: 'event', event: value as DeadLetter }),
    handle: async (letter) => void letters.push(letter),
  });
  return { letters, close: () => consumer.close() };
}

const order = (orderId: string) =>
  orderEvent('order.paid', { orderId, userId: 'u1', status: 'paid', total: 500, items: [{ productId: 'p1', quantity: 1, unitPrice: 500 }] });

it('a poison message (bad occurredAt, not JSON, unknown version) goes to <topic>.dlq with its error; the next good one is processed', async () => {
  const suffix = uniqueSuffix();
  const topic = `kit-dlq-${suffix}`;
  const kafka = createKafka({ brokers: brokers!, clientId: `kit-dlq-${suffix}` });
  await ensureTopics(kafka, [topic], 1);
  const producer = createEventProducer(kafka);
  const handled: ShopEvent[] = [];
  const service = hooks();
  const consumer = await consumeEvents(service.service, {
    brokers: brokers!,
    clientId: `kit-dlq-${suffix}`,
    groupId: `kit-dlq-${suffix}`,
    topics: [topic],
    handle: async (event) => void handled.push(event),
  });
  const dead = await readDeadLetters(topic, `kit-dlq-reader-${suffix}`);
  try {
    const poison = { ...order('o-poison'), occurredAt: 'yesterday' };
    await producer.publishRaw(topic, JSON.stringify(poison), 'o-poison');
    await producer.publishRaw(topic, '{not json', 'o-garbage');
    await producer.publishRaw(topic, JSON.stringify({ ...order('o-future'), version: 2 }), 'o-future');
    const good = order('o-good');
    await producer.publish(topic, good, 'o-good');

    await eventually(() => assert.equal(handled.map((event) => event.id), [good.id]), { timeoutMs: 30_000 });
    await eventually(() => assert.is(dead.letters.length, 3), { timeoutMs: 30_000 });
    // The dead-letter topic has several partitions: put the letters back in their source's order.
    const [badDate, notJson, future] = [...dead.letters].sort((a, b) => Number(a.offset) - Number(b.offset));
    assert.is(badDate!.topic, topic);
    assert.is(badDate!.key, 'o-poison');
    assert.match(badDate!.error, /occurredAt/);
    assert.equal(JSON.parse(badDate!.value), poison, 'the original message is kept');
    assert.is(notJson!.error, 'not JSON');
    assert.is(notJson!.value, '{not json');
    assert.match(future!.error, /version 2/);
    assert.equal(
      [badDate!.offset, notJson!.offset, future!.offset],
      ['0', '1', '2'],
      'each letter says where the message was',
    );
    await consumer.check(); // still consuming after three dead letters
  } finally {
    await dead.close();
    await service.close();
    await producer.close();
  }
});

it('a handler failing every time: dead-lettered after maxAttempts with the error, offset committed, the next event handled', async () => {
  const suffix = uniqueSuffix();
  const topic = `kit-dlq-fail-${suffix}`;
  const groupId = `kit-dlq-fail-${suffix}`;
  const kafka = createKafka({ brokers: brokers!, clientId: groupId });
  await ensureTopics(kafka, [topic], 1);
  const producer = createEventProducer(kafka);
  const attempts = new Map<string, number>();
  const handled: string[] = [];
  const service = hooks();
  await consumeEvents(service.service, {
    brokers: brokers!,
    clientId: groupId,
    groupId,
    topics: [topic],
    maxAttempts: 3,
    handle: async (event) => {
      attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
      if ('orderId' in event && event.orderId === 'o-bad') throw new Error('cannot apply o-bad');
      handled.push(event.id);
    },
  });
  const dead = await readDeadLetters(topic, `kit-dlq-fail-reader-${suffix}`);
  const bad = order('o-bad');
  const good = order('o-next');
  try {
    await producer.publish(topic, bad, 'o-bad');
    await producer.publish(topic, good, 'o-next');
    await eventually(() => assert.equal(handled, [good.id]), { timeoutMs: 30_000 });
    await eventually(() => assert.is(dead.letters.length, 1), { timeoutMs: 30_000 });
    assert.is(attempts.get(bad.id), 3, 'three attempts, then the dead-letter topic');
    assert.is(dead.letters[0]!.error, 'cannot apply o-bad');
    assert.is(dead.letters[0]!.attempts, 3);
    assert.is(dead.letters[0]!.groupId, groupId);
  } finally {
    await dead.close();
    await service.close();
  }

  // The offsets were committed: a consumer of the same group, started again, gets nothing old.
  const again: string[] = [];
  const restarted = hooks();
  await consumeEvents(restarted.service, { brokers: brokers!, clientId: groupId, groupId, topics: [topic], handle: async (event) => void again.push(event.id) });
  try {
    const later = order('o-later');
    await producer.publish(topic, later, 'o-later');
    await eventually(() => assert.equal(again, [later.id]), { timeoutMs: 30_000 });
  } finally {
    await restarted.close();
    await producer.close();
  }
});

test.run();
