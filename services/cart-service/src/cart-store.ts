// Carts in Redis: one hash per user, product id -> quantity. Prices are not stored: they are
// read from product-service whenever the cart is shown, so a cart never shows a stale price.
import type { Redis } from 'ioredis';

export interface CartLine {
  productId: string;
  quantity: number;
}

export interface CartStore {
  lines(userId: string): Promise<CartLine[]>;
  /** Sets a line's quantity; 0 removes the line. */
  setQuantity(userId: string, productId: string, quantity: number): Promise<void>;
  remove(userId: string, productIds: string[]): Promise<void>;
  clear(userId: string): Promise<void>;
}

const cartKey = (userId: string): string => `cart:${userId}`;

export function createCartStore(redis: Redis, ttlSeconds: number): CartStore {
  return {
    async lines(userId) {
      const fields = await redis.hgetall(cartKey(userId));
      return Object.entries(fields)
        .map(([productId, quantity]) => ({ productId, quantity: Number(quantity) }))
        .filter((line) => Number.isInteger(line.quantity) && line.quantity > 0)
        .sort((a, b) => a.productId.localeCompare(b.productId));
    },
    async setQuantity(userId, productId, quantity) {
      const key = cartKey(userId);
      if (quantity === 0) {
        await redis.hdel(key, productId);
        return;
      }
      const results = await redis.multi().hset(key, productId, String(quantity)).expire(key, ttlSeconds).exec();
      // A MULTI reports its commands' errors in its results instead of rejecting.
      const failure = results?.find(([error]) => error)?.[0];
      if (failure) throw failure;
    },
    async remove(userId, productIds) {
      if (productIds.length > 0) await redis.hdel(cartKey(userId), ...productIds);
    },
    async clear(userId) {
      await redis.del(cartKey(userId));
    },
  };
}
