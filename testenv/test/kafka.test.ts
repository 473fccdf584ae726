// Kafka and ZooKeeper of the test environment, each exercised over its own wire protocol.
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { server } from '../../packages/testkit/src/index.ts';
import { waitForTopicLeaders } from '../../packages/service-kit/src/kafka-admin.ts';

const kafkaBrokers = server('KAFKA_BROKERS');
const zookeeperConnect = server('ZOOKEEPER_CONNECT');

/** Rejects after ms milliseconds with a message naming what did not happen. */
function deadline(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms).unref());
}

if (kafkaBrokers) {
  test('real Kafka 4.x broker (KRaft, one node) from Maven jars: a message produced to a new topic is consumed back', async () => {
    const kafka = new Kafka({
      clientId: 'shopmesh-testenv-test',
      brokers: kafkaBrokers.split(','),
      // Retriable errors (the group coordinator is created on first use) would only be noise.
      logLevel: logLevel.NOTHING,
      retry: { retries: 5 },
    });
    const topic = `testenv-roundtrip-${randomUUID()}`;
    const groupId = `testenv-roundtrip-${randomUUID()}`;
    const sent = { key: 'order-42', value: JSON.stringify({ orderId: 42, at: new Date().toISOString() }) };

    const admin = kafka.admin();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
    try {
      await admin.connect();
      assert.ok(await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true }));
      assert.ok((await admin.listTopics()).includes(topic));
      // On a freshly formatted broker the new partition's leader may not serve yet.
      await waitForTopicLeaders(admin, [topic]);

      await producer.connect();
      const [record] = await producer.send({ topic, messages: [sent] });
      assert.is(record?.errorCode, 0);

      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const received = await Promise.race([
        new Promise<{ key: string; value: string; partition: number }>((resolve) => {
          void consumer.run({
            eachMessage: async ({ message, partition }) => {
              resolve({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '', partition });
            },
          });
        }),
        deadline(30_000, 'no message consumed'),
      ]);
      assert.equal(received, { ...sent, partition: 0 });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  });
}

if (zookeeperConnect) {
  test('real ZooKeeper server (Debian package): the four-letter word ruok is answered imok over TCP', async () => {
    const [host, port] = zookeeperConnect.split(',')[0]!.split(':');
    const reply = await Promise.race([
      new Promise<string>((resolve, reject) => {
        const socket = connect({ host: host!, port: Number(port) }, () => socket.end('ruok'));
        let data = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (data += chunk));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      }),
      deadline(5_000, 'no answer to ruok'),
    ]);
    assert.is(reply, 'imok');
  });
}

test.run();
