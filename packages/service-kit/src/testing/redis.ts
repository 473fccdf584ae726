// A whole Redis database for one test run, when keys of its own are not enough (a reset that
// flushes the database, a key count that must be exact): leased on database 0 with SET NX and an
// expiry, so concurrent runs, from any checkout, never get the same one.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export interface RedisDatabaseLease {
  db: number;
  /** The server's URL with the database as its path (`redis://host:port/7`). */
  url: string;
  /** Gives the database back (only while this run still holds it). */
  release(): Promise<void>;
}

const leaseKey = (db: number): string => `shopmesh:test:redis-db-lease:${db}`;

// Deletes the lease only when it is still this run's (it may have expired and gone to another run).
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

function withDatabase(serverUrl: string, db: number): string {
  const url = new URL(serverUrl);
  url.pathname = `/${db}`;
  return url.toString();
}

/**
 * The first of `candidates` no other run holds, leased for `ttlMs` (a run killed before it releases
 * its lease frees the database when it expires). Throws, naming the lease keys, when all are taken.
 */
export async function leaseRedisDatabase(serverUrl: string, candidates: readonly number[], ttlMs = 60 * 60_000): Promise<RedisDatabaseLease> {
  const owner = `${process.pid}-${randomBytes(6).toString('hex')}`;
  const control = (): Redis => new Redis(withDatabase(serverUrl, 0), { lazyConnect: true, maxRetriesPerRequest: 2 });
  const redis = control();
  await redis.connect();
  try {
    for (const db of candidates) {
      if ((await redis.set(leaseKey(db), owner, 'PX', ttlMs, 'NX')) !== 'OK') continue;
      return {
        db,
        url: withDatabase(serverUrl, db),
        async release() {
          const client = control();
          await client.connect();
          try {
            await client.eval(RELEASE, 1, leaseKey(db), owner);
          } finally {
            client.disconnect();
          }
        },
      };
    }
  } finally {
    redis.disconnect();
  }
  throw new Error(`no Redis database free among ${candidates.join(', ')}: each is leased by another run (keys ${leaseKey(candidates[0] ?? 0)}... on database 0)`);
}
