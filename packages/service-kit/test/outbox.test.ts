// The transactional outbox against real PostgreSQL and Kafka.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { count } from 'drizzle-orm';
import { server } from '@shopmesh/testkit';
import { applyMigrations, createPostgres } from '../src/db.ts';
import { createEventProducer, createKafka, ensureTopics, newEvent, startEventConsumer, type EventEnvelope } from '../src/kafka.ts';
import { enqueueEvent, outboxEvents, startOutboxRelay } from '../src/outbox.ts';
import { createTestDatabase, uniqueSuffix, type TestDatabase } from '../src/testing.ts';

const postgresUrl = server('POSTGRES_URL');
const brokers = server('KAFKA_BROKERS');
const migrationsFolder = new URL('./fixtures/migrations/', import.meta.url).pathname;
const outbox = suite<{ database: TestDatabase }>('outbox', {} as { database: TestDatabase });
const it = postgresUrl && brokers ? outbox : outbox.skip;

outbox.before(async (context) => {
  if (!postgresUrl || !brokers) return;
  context.database = await createTestDatabase(postgresUrl, 'kit_outbox');
  await applyMigrations({ url: context.database.url, migrationsFolder });
});
outbox.after(async (context) => {
  await context.database?.drop();
});

it('committed events are published in order and removed; rolled-back ones never leave', async ({ database }) => {
  const suffix = uniqueSuffix();
  const topic = `kit-outbox-${suffix}`;
  const kafka = createKafka({ brokers: brokers!, clientId: topic });
  await ensureTopics(kafka, [topic], 1);
  const postgres = createPostgres(database.url, { outboxEvents });
  const producer = createEventProducer(kafka);
  const received: EventEnvelope[] = [];
  const consumer = await startEventConsumer({ kafka, groupId: topic, topics: [topic], handle: async (event) => void received.push(event) });
  const relay = startOutboxRelay({ db: postgres.db, producer, intervalMs: 60_000 });
  try {
    const first = newEvent('thing.created', { n: 1 });
    const second = newEvent('thing.updated', { n: 2 });
    const abandoned = newEvent('thing.created', { n: 3 });
    await postgres.db.transaction(async (tx) => {
      await enqueueEvent(tx, topic, first, 'thing-1');
      await enqueueEvent(tx, topic, second, 'thing-1');
    });
    await postgres.db
      .transaction(async (tx) => {
        await enqueueEvent(tx, topic, abandoned, 'thing-3');
        throw new Error('the change fails after its event was written');
      })
      .catch(() => undefined);
    assert.is(await relay.flush(), 2);
    const [left] = await postgres.db.select({ n: count() }).from(outboxEvents);
    assert.is(left?.n, 0, 'published events are removed');
    // A marker through the same outbox and the topic's one partition: anything the first flush had
    // sent arrives before it, so once it is in, nothing else from that flush can still come.
    const marker = newEvent('thing.marker', {});
    await postgres.db.transaction((tx) => enqueueEvent(tx, topic, marker, 'thing-1'));
    assert.is(await relay.flush(), 1);
    const deadline = Date.now() + 30_000;
    while (!received.some((event) => event.id === marker.id) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(received.map((event) => event.id), [first.id, second.id, marker.id], 'the committed events in order, then the marker; the rolled-back event was never sent');
    assert.not.ok(received.some((event) => event.id === abandoned.id));
  } finally {
    await relay.close();
    await consumer.close();
    await producer.close();
    await postgres.close();
  }
});

it('while Kafka is unreachable the events stay in the outbox', async ({ database }) => {
  const postgres = createPostgres(database.url, { outboxEvents });
  const producer = createEventProducer(createKafka({ brokers: '127.0.0.1:1', clientId: 'kit-outbox-down' }));
  const relay = startOutboxRelay({ db: postgres.db, producer, intervalMs: 60_000 });
  try {
    const kept = newEvent('thing.created', {});
    await postgres.db.transaction((tx) => enqueueEvent(tx, 'anywhere', kept, 'k'));
    const failed = await relay.flush().then(() => false, () => true);
    assert.ok(failed);
    const rows = await postgres.db.select().from(outboxEvents);
    assert.equal(rows.map((row) => row.id), [kept.id]);
  } finally {
    await relay.close();
    await producer.close();
    await postgres.close();
  }
});

outbox.run();
