// product-service v2's read-through cache in Redis. Entries are the JSON answers themselves, so a
// hit is sent without touching the database or re-serialising. Writes (from any version that has
// REDIS_URL) delete the product's entry and every cached catalogue page.
import type { Redis } from 'ioredis';

const productKey = (id: string): string => `product-service:product:${id}`;
const PAGES_KEY = 'product-service:pages';
const PRODUCT_PATTERN = 'product-service:product:*';

export interface ProductCache {
  /** The cached JSON, or undefined on a miss or while Redis is unreachable (reads then go to the database). */
  getProduct(id: string): Promise<string | undefined>;
  putProduct(id: string, json: string): Promise<void>;
  getPage(queryKey: string): Promise<string | undefined>;
  putPage(queryKey: string, json: string): Promise<void>;
  /** After a write: the product's entry and all pages go. */
  invalidate(id: string): Promise<void>;
  /** Everything goes (after Redis comes back: writes made meanwhile could not invalidate). */
  clear(): Promise<void>;
}

interface Logger {
  warn(obj: object, msg?: string): void;
}

export function createProductCache(redis: Redis, ttlSeconds: number, log: Logger): ProductCache {
  const usable = (): boolean => redis.status === 'ready';
  const quietly = async <T>(what: string, action: () => Promise<T>): Promise<T | undefined> => {
    if (!usable()) return undefined;
    try {
      return await action();
    } catch (error) {
      log.warn({ err: error instanceof Error ? error.message : String(error) }, `product cache ${what} failed`);
      return undefined;
    }
  };

  const cache: ProductCache = {
    getProduct: async (id) => (await quietly('read', () => redis.get(productKey(id)))) ?? undefined,
    putProduct: async (id, json) => void (await quietly('write', () => redis.set(productKey(id), json, 'EX', ttlSeconds))),
    getPage: async (queryKey) => (await quietly('read', () => redis.hget(PAGES_KEY, queryKey))) ?? undefined,
    async putPage(queryKey, json) {
      await quietly('write', () => redis.multi().hset(PAGES_KEY, queryKey, json).expire(PAGES_KEY, ttlSeconds, 'NX').exec());
    },
    async invalidate(id) {
      await quietly('invalidation', () => redis.multi().del(productKey(id)).del(PAGES_KEY).exec());
    },
    async clear() {
      await quietly('clear', async () => {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', PRODUCT_PATTERN, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await redis.unlink(...keys);
        } while (cursor !== '0');
        await redis.del(PAGES_KEY);
      });
    },
  };

  let connectedBefore = false;
  redis.on('ready', () => {
    if (connectedBefore) void cache.clear();
    connectedBefore = true;
  });
  return cache;
}

/** A stable key for a catalogue query (parameter order does not matter). */
export const pageKey = (query: Record<string, unknown>): string =>
  Object.keys(query)
    .sort()
    .filter((name) => query[name] !== undefined)
    .map((name) => `${name}=${String(query[name])}`)
    .join('&');
