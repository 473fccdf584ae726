// Notifications in Redis: one sorted set per user (score: the event's time), newest read first.
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
  /** The user's notifications, newest first. */
  list(userId: string, limit: number): Promise<Notification[]>;
}

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
    async list(userId, limit) {
      const members = await redis.zrevrange(userKey(userId), 0, limit - 1);
      return members.map((member) => JSON.parse(member) as Notification);
    },
  };
}
