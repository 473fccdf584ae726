// The Redis helper against the test environment's real server, through a cuttable proxy.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { isConnectionError } from '../src/errors.ts';
import { createRedis } from '../src/redis.ts';
import { startTcpProxy, uniqueSuffix } from '../src/testing.ts';

const redisUrl = server('REDIS_URL');
const it = redisUrl ? test : test.skip;

it('commands fail fast with a connection error while Redis is away, and work again after', async () => {
  const target = new URL(redisUrl!);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  const store = createRedis(proxy.via(redisUrl!));
  const key = `kit:${uniqueSuffix()}`;
  try {
    await store.check();
    await store.redis.set(key, 'v', 'EX', 60);
    await proxy.cut();
    const started = Date.now();
    const failure = await store.redis.get(key).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(isConnectionError(failure), `a connection error, got ${String(failure)}`);
    assert.ok(Date.now() - started < 3_000, 'no queueing while disconnected');
    await proxy.restore();
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await store.check();
        break;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    assert.is(await store.redis.get(key), 'v');
    await store.redis.del(key);
  } finally {
    await store.close();
    await proxy.close();
  }
});

test.run();
