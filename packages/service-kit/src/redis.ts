// Redis with ioredis, configured to fail fast while the server is away (a command waits for at
// most one reconnection attempt, then fails, so requests answer 503 instead of hanging) and to
// reconnect on its own when it comes back.
import { Redis } from 'ioredis';
import type { ServiceHooks } from './service.ts';

export interface RedisStore {
  redis: Redis;
  check(): Promise<void>;
  close(): Promise<void>;
}

export function createRedis(url: string, log?: { warn(obj: object, msg?: string): void }): RedisStore {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let lastLogged = 0;
  redis.on('error', (error: Error) => {
    // Logged at most every 10 s: ioredis reports each failed reconnection attempt.
    if (Date.now() - lastLogged > 10_000) {
      lastLogged = Date.now();
      log?.warn({ err: error.message }, 'redis connection error');
    }
  });
  return {
    redis,
    async check() {
      await redis.ping();
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The service's Redis (see `createRedis`), with the readiness check `redis` and closed at shutdown. */
export function connectRedis(service: ServiceHooks, url: string): RedisStore {
  const store = createRedis(url, service.log);
  service.addReadinessCheck('redis', store.check);
  service.onClose(store.close);
  return store;
}
