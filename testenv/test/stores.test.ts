// The test environment's stores, each exercised by one real operation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { Redis } from 'ioredis';
import { server } from '../../packages/testkit/src/index.ts';

const postgresUrl = server('POSTGRES_URL');
const redisUrl = server('REDIS_URL');
const prometheusUrl = server('PROMETHEUS_URL');

if (postgresUrl) {
  test('real PostgreSQL server: a query returns its own version and arithmetic', async () => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: string; sum: number }>(
        'select version() as version, $1::int + $2::int as sum',
        [40, 2],
      );
      assert.match(rows[0]!.version, /^PostgreSQL \d+/);
      assert.is(rows[0]!.sum, 42);
    } finally {
      await client.end();
    }
  });
}

if (redisUrl) {
  test('real Redis server: SET then GET returns the value, with expiry', async () => {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      const key = `testenv:${process.pid}:${Date.now()}`;
      assert.is(await redis.set(key, 'shopmesh', 'EX', 30), 'OK');
      assert.is(await redis.get(key), 'shopmesh');
      assert.ok((await redis.ttl(key)) > 0);
      await redis.del(key);
      assert.is(await redis.get(key), null);
    } finally {
      redis.disconnect();
    }
  });
}

if (prometheusUrl) {
  test('real Prometheus server: a query returns a sample it scraped from itself', async () => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent('up{job="prometheus"}')}`);
      assert.is(response.status, 200);
      const body = (await response.json()) as { data: { result: { value: [number, string] }[] } };
      const sample = body.data.result[0];
      if (sample) {
        assert.is(sample.value[1], '1');
        return;
      }
      if (Date.now() > deadline) assert.unreachable('Prometheus scraped no sample within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
}

test.run();
