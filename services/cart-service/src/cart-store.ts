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
  /**
   * Takes `lines`' quantities out of the cart (a line left at 0 or less goes), once per `orderId`:
   * false when that order's removal was already applied. Lines added since are left alone.
   */
  removeOrdered(userId: string, orderId: string, lines: CartLine[]): Promise<boolean>;
  clear(userId: string): Promise<void>;
}

const cartKey = (userId: string): string => `cart:${userId}`;
const removalKey = (userId: string, orderId: string): string => `cart-removal:${userId}:${orderId}`;

// KEYS: the cart, the order's removal marker. ARGV: the marker's TTL, then product id and
// quantity pairs. The marker and the decrements are one atomic step, so a retry changes nothing.
const REMOVE_ORDERED = `
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[1]) then return 0 end
for i = 2, #ARGV, 2 do
  if redis.call('HINCRBY', KEYS[1], ARGV[i], -tonumber(ARGV[i + 1])) <= 0 then redis.call('HDEL', KEYS[1], ARGV[i]) end
end
return 1`;

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
    async removeOrdered(userId, orderId, lines) {
      const pairs = lines.flatMap((line) => [line.productId, String(line.quantity)]);
      const applied = await redis.eval(REMOVE_ORDERED, 2, cartKey(userId), removalKey(userId, orderId), String(ttlSeconds), ...pairs);
      return applied === 1;
    },
    async clear(userId) {
      await redis.del(cartKey(userId));
    },
  };
}
