// Producer and consumer helpers against the test environment's real Kafka broker.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { createEventProducer, createKafka, ensureTopics, newEvent, startEventConsumer, type EventEnvelope } from '../src/kafka.ts';
import { isConnectionError } from '../src/errors.ts';
import { eventually, uniqueSuffix } from '../src/testing.ts';

const brokers = server('KAFKA_BROKERS');
const it = brokers ? test : test.skip;

it('a published event reaches a consumer; a handler failure redelivers the same event id', async () => {
  const suffix = uniqueSuffix();
  const topic = `kit-test-${suffix}`;
  const kafka = createKafka({ brokers: brokers!, clientId: `kit-test-${suffix}` });
  // Several processes ensuring one topic at once, then again: no error, one topic.
  await Promise.all([ensureTopics(kafka, [topic], 1), ensureTopics(kafka, [topic], 1), ensureTopics(kafka, [topic], 1)]);
  await ensureTopics(kafka, [topic], 1);
  const producer = createEventProducer(kafka);
  const seen: EventEnvelope[] = [];
  let failOnce = true;
  const consumer = await startEventConsumer({
    kafka,
    groupId: `kit-test-${suffix}`,
    topics: [topic],
    async handle(event) {
      seen.push(event);
      if (failOnce) {
        failOnce = false;
        throw new Error('transient failure');
      }
    },
  });
  try {
    await producer.check();
    const event = newEvent('widget.created', { widget: { id: 'w1' } });
    await producer.publish(topic, event);
    await eventually(() => assert.ok(seen.length >= 2, 'the event and its redelivery'));
    assert.is(seen[0]!.id, event.id);
    assert.is(seen[1]!.id, event.id, 'the redelivery carries the same event id');
    assert.equal((seen[1] as unknown as { widget: unknown }).widget, { id: 'w1' });
    assert.is(seen[0]!.type, 'widget.created');
    assert.ok(!Number.isNaN(Date.parse(seen[0]!.occurredAt)));
    await consumer.check();
  } finally {
    await consumer.close();
    await producer.close();
  }
});

it('a consumer started before any producer creates its topics itself (3 partitions, not the broker default of 1)', async () => {
  const suffix = uniqueSuffix();
  const topic = `kit-consumer-first-${suffix}`;
  const kafka = createKafka({ brokers: brokers!, clientId: `kit-test-${suffix}` });
  const consumer = await startEventConsumer({ kafka, groupId: `kit-test-${suffix}`, topics: [topic], handle: async () => undefined });
  const admin = kafka.admin();
  try {
    await eventually(() => consumer.check(), { timeoutMs: 30_000 });
    await admin.connect();
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    assert.is(metadata?.partitions.length, 3);
  } finally {
    await admin.disconnect();
    await consumer.close();
  }
});

it('an unreachable broker fails the readiness check and the publish', async () => {
  const kafka = createKafka({ brokers: '127.0.0.1:1', clientId: 'kit-test-down' });
  const producer = createEventProducer(kafka);
  try {
    const checked = await producer.check().then(() => 'ok', (error: Error) => error.name);
    assert.is.not(checked, 'ok');
    const published = await producer.publish('nowhere', newEvent('x', {})).then(() => undefined, (error: unknown) => error);
    assert.ok(isConnectionError(published), `a connection error (answered 503), got ${String(published)}`);
  } finally {
    await producer.close();
  }
});

test.run();
