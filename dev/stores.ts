// The inner loop's data in the shared local servers: created before the services start, wiped by
// `./dev.sh reset`. Everything is named by the dev profile (databases `dev_*`, one Redis db index,
// indexes and consumer groups `dev-*`), so the tests' data is never touched.
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { retryRetriable, waitForTopicLeaders } from '../packages/service-kit/src/kafka-admin.ts';

/** What the loop owns in the shared servers, read off the services' local environments. */
export interface DevData {
  /** Full URLs of the loop's databases. */
  databases: string[];
  /** `redis://host:port/<db>` of the loop's Redis database. */
  redis: string[];
  /** Elasticsearch base URL → index names. */
  indexes: { url: string; index: string }[];
  /** Broker list → consumer groups. */
  consumerGroups: { brokers: string; groupId: string }[];
}

/** The event topics of the shared contract; consumer groups of the loop start at their end. */
export const EVENT_TOPICS = ['product-events', 'order-events', 'review-events'] as const;

/** Collects what the loop's environments point at. */
export function devDataOf(environments: Record<string, string>[]): DevData {
  const unique = <T>(items: T[], key: (item: T) => string): T[] => [...new Map(items.map((i) => [key(i), i])).values()];
  return {
    databases: unique(environments.flatMap((e) => (e.DATABASE_URL ? [e.DATABASE_URL] : [])), String),
    redis: unique(environments.flatMap((e) => (e.REDIS_URL ? [e.REDIS_URL] : [])), String),
    indexes: unique(
      environments.flatMap((e) => (e.ELASTICSEARCH_URL && e.ELASTICSEARCH_INDEX ? [{ url: e.ELASTICSEARCH_URL, index: e.ELASTICSEARCH_INDEX }] : [])),
      (i) => `${i.url} ${i.index}`,
    ),
    consumerGroups: unique(
      environments.flatMap((e) => (e.KAFKA_BROKERS && e.KAFKA_GROUP_ID ? [{ brokers: e.KAFKA_BROKERS, groupId: e.KAFKA_GROUP_ID }] : [])),
      (g) => `${g.brokers} ${g.groupId}`,
    ),
  };
}

/** Connects to the server's maintenance database instead of `url`'s own. */
async function withServer<T>(url: string, use: (client: pg.Client, database: string) => Promise<T>): Promise<T> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1));
  target.pathname = '/postgres';
  const client = new pg.Client({ connectionString: target.toString() });
  await client.connect();
  try {
    return await use(client, database);
  } finally {
    await client.end();
  }
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

export async function createDatabases(urls: string[]): Promise<void> {
  for (const url of urls) {
    await withServer(url, async (client, database) => {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
      if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
    });
  }
}

function kafkaClient(brokers: string): Kafka {
  return new Kafka({ clientId: 'shopmesh-dev', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

/** Creates the contract's topics when missing; groups with no offsets yet start at the topics' end. */
export async function prepareConsumerGroups(groups: DevData['consumerGroups']): Promise<void> {
  for (const brokers of new Set(groups.map((g) => g.brokers))) {
    const kafka = kafkaClient(brokers);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = EVENT_TOPICS.filter((topic) => !existing.has(topic));
      if (missing.length > 0) {
        await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: 3 })), waitForLeaders: true });
      }
      // A new topic (or a freshly formatted broker) answers "not the leader" for a few seconds.
      await waitForTopicLeaders(admin, EVENT_TOPICS);
      const ends = new Map(
        await Promise.all(
          EVENT_TOPICS.map(async (topic) => [topic, await retryRetriable(`reading the end of ${topic}`, () => admin.fetchTopicOffsets(topic))] as const),
        ),
      );
      const fresh: string[] = [];
      for (const { groupId } of groups.filter((g) => g.brokers === brokers)) {
        const committed = await retryRetriable(`reading the offsets of group ${groupId}`, () =>
          admin.fetchOffsets({ groupId, topics: [...EVENT_TOPICS] }),
        );
        if (!committed.some(({ partitions }) => partitions.some((p) => Number(p.offset) >= 0))) fresh.push(groupId);
      }
      await Promise.all(fresh.map((groupId) => retryRetriable(`starting group ${groupId} at the topics' end`, () => commitEnds(kafka, groupId, ends))));
    } finally {
      await admin.disconnect();
    }
  }
}

/**
 * Commits the topics' current ends as the offsets of an unused group, so that its first consumer
 * starts from now instead of the shared topics' whole history. One short-lived member per group
 * (admin.setOffsets would join the group once per topic, seconds each).
 */
async function commitEnds(kafka: Kafka, groupId: string, ends: Map<string, { partition: number; high: string }[]>): Promise<void> {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  try {
    const topics = [...ends.keys()];
    await consumer.subscribe({ topics, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer.on(consumer.events.FETCH, () => resolve());
      // A crash (e.g. a partition whose leader is not serving yet) ends this try instead of hanging.
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
      consumer.pause(topics.map((topic) => ({ topic })));
      for (const [topic, partitions] of ends) {
        for (const { partition, high } of partitions) consumer.seek({ topic, partition, offset: high });
      }
    });
  } finally {
    await consumer.disconnect();
  }
}

/** Wipes the loop's data; the services must be stopped (a consumer group in use cannot be deleted). */
export async function wipeDevData(data: DevData, report: (line: string) => void): Promise<void> {
  for (const url of data.databases) {
    await withServer(url, async (client, database) => {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
      report(`dropped database ${database}`);
    });
  }
  for (const url of data.redis) {
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      await redis.flushdb();
      report(`flushed Redis database ${new URL(url).pathname.slice(1) || '0'}`);
    } finally {
      redis.disconnect();
    }
  }
  for (const { url, index } of data.indexes) {
    const response = await fetch(`${url.replace(/\/$/, '')}/${encodeURIComponent(index)}`, { method: 'DELETE' });
    if (!response.ok && response.status !== 404) throw new Error(`deleting index ${index}: ${response.status} ${await response.text()}`);
    report(`deleted Elasticsearch index ${index}`);
  }
  for (const brokers of new Set(data.consumerGroups.map((g) => g.brokers))) {
    const admin = kafkaClient(brokers).admin();
    await admin.connect();
    try {
      const known = new Set((await admin.listGroups()).groups.map((g) => g.groupId));
      const groupIds = data.consumerGroups.filter((g) => g.brokers === brokers && known.has(g.groupId)).map((g) => g.groupId);
      if (groupIds.length > 0) await retryRetriable('deleting the consumer groups', () => admin.deleteGroups(groupIds));
      for (const groupId of groupIds) report(`deleted consumer group ${groupId}`);
    } finally {
      await admin.disconnect();
    }
  }
}
