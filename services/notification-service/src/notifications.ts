// Notifications in Redis: one sorted set per user (score: the event's time), newest read first,
// a page at a time.
// Recording is one Lua script, so the dedupe marker and the notification are written together.
import type { Redis } from 'ioredis';

export interface Notification {
  /** The id of the event that caused it. */
  id: string;
  type: string;
  orderId: string;
  createdAt: string;
}

const userKey = (userId: string): string => `notifications:user:${userId}`;
const eventKey = (eventId: string): string => `notifications:event:${eventId}`;

// KEYS: the event's dedupe marker, the user's set. ARGV: marker TTL, score, member, how many to keep.
const RECORD_ONCE = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[4]) - 1)
return 1
`;

export interface NotificationStore {
  /** Records `notification` for `userId`; false when its event was already recorded. */
  record(userId: string, notification: Notification): Promise<boolean>;
  /**
   * The user's notifications, newest first (by time, then id). `after` is where the previous page
   * ended; `next` is where this one ends, when more follow.
   */
  list(userId: string, limit: number, after?: NotificationPosition): Promise<{ items: Notification[]; next?: NotificationPosition }>;
}

/** A notification's place in the list: its time (ms, its score) and its id. */
export type NotificationPosition = [number, string];

export function createNotificationStore(
  redis: Redis,
  options: { keptPerUser: number; dedupeTtlSeconds: number },
): NotificationStore {
  return {
    async record(userId, notification) {
      const member = JSON.stringify({
        id: notification.id,
        type: notification.type,
        orderId: notification.orderId,
        createdAt: notification.createdAt,
      });
      const recorded = await redis.eval(
        RECORD_ONCE,
        2,
        eventKey(notification.id),
        userKey(userId),
        options.dedupeTtlSeconds,
        Date.parse(notification.createdAt),
        member,
        options.keptPerUser,
      );
      return recorded === 1;
    },
    async list(userId, limit, after) {
      // Members of one score come in reverse byte order, which, as each member's JSON starts with
      // its id, is id order: the same order as the cursor's. Those of the cursor's own time that
      // came before it are skipped.
      const found: { notification: Notification; score: number }[] = [];
      for (let offset = 0; found.length <= limit; offset += limit + 1) {
        const batch = await redis.zrange(userKey(userId), after ? after[0] : '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', offset, limit + 1, 'WITHSCORES');
        for (let i = 0; i < batch.length; i += 2) {
          const notification = JSON.parse(batch[i]!) as Notification;
          const score = Number(batch[i + 1]);
          if (after && score === after[0] && notification.id >= after[1]) continue;
          found.push({ notification, score });
        }
        if (batch.length < 2 * (limit + 1)) break;
      }
      const items = found.slice(0, limit).map((entry) => entry.notification);
      const last = found.length > limit ? found[limit - 1] : undefined;
      return last ? { items, next: [last.score, last.notification.id] } : { items };
    },
  };
}
