// PostgreSQL through Drizzle ORM over node-postgres: a pool with a readiness check, the schema
// apply used by init containers, and the table idempotent event consumers record into.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { ServiceHooks } from './service.ts';

export interface Postgres<S extends Record<string, unknown>> {
  db: NodePgDatabase<S>;
  pool: pg.Pool;
  /** Readiness: a round trip to the server. */
  check(): Promise<void>;
  close(): Promise<void>;
}

interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** A pool that fails fast when the server is gone (so requests answer 503) and reconnects after. */
export function createPostgres<S extends Record<string, unknown>>(
  url: string,
  schema: S,
  options: { max?: number; log?: Logger } = {},
): Postgres<S> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 2_000,
    idleTimeoutMillis: 30_000,
  });
  // A client losing its server emits 'error' (on the pool when idle, on the client itself when
  // checked out between two queries, e.g. in an open transaction); unhandled, either would kill
  // the process. The query in progress, if any, still fails with the error.
  const warn = (error: Error): void => options.log?.warn({ err: error.message }, 'postgres connection lost');
  pool.on('error', warn);
  pool.on('connect', (client) => client.on('error', warn));
  const db = drizzle(pool, { schema });
  return {
    db,
    pool,
    async check() {
      await pool.query('select 1');
    },
    async close() {
      await pool.end();
    },
  };
}

/** The service's pool (see `createPostgres`), with the readiness check `postgres` and closed at shutdown. */
export function connectPostgres<S extends Record<string, unknown>>(service: ServiceHooks, url: string, schema: S): Postgres<S> {
  const postgres = createPostgres(url, schema, { log: service.log });
  service.addReadinessCheck('postgres', postgres.check);
  service.onClose(postgres.close);
  return postgres;
}

const DESTRUCTIVE_SQL = /\b(drop\s+(table|column|schema|database)|truncate)\b/i;

/** Refuses migrations that would destroy data: the schema apply only ever adds. */
export function assertNonDestructive(migrationsFolder: string): void {
  for (const file of readdirSync(migrationsFolder).filter((name) => name.endsWith('.sql'))) {
    const text = readFileSync(join(migrationsFolder, file), 'utf8');
    const match = DESTRUCTIVE_SQL.exec(text);
    if (match) {
      throw new Error(
        `${join(migrationsFolder, file)}: "${match[0]}" would drop data; write an additive migration instead`,
      );
    }
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the server accepts connections (an init container may start before its database). */
export async function waitForPostgres(url: string, options: { timeoutMs?: number; log?: Logger } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    client.on('error', () => undefined); // a failure here is the awaited call's rejection
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      options.log?.warn({ attempt, err: error instanceof Error ? error.message : String(error) }, 'database not ready');
      await sleep(Math.min(500 * attempt, 5_000));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

// Any constant works; it only has to be the same for every migrator of every service.
const MIGRATION_LOCK_ID = 4_242_001;

/**
 * Applies the committed Drizzle migrations not yet applied (drizzle records them in
 * drizzle.__drizzle_migrations), so running it twice is a no-op. Two migrators at once (two
 * versions of a service starting together) are serialised by an advisory lock.
 */
export async function applyMigrations(options: {
  url: string;
  migrationsFolder: string;
  log?: Logger;
  timeoutMs?: number;
}): Promise<void> {
  assertNonDestructive(options.migrationsFolder);
  await waitForPostgres(options.url, options);
  const pool = new pg.Pool({ connectionString: options.url, max: 2 });
  pool.on('error', () => undefined); // a lost connection fails the migration's awaited query
  pool.on('connect', (client) => client.on('error', () => undefined));
  const lock = await pool.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await migrate(drizzle(pool), { migrationsFolder: options.migrationsFolder });
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
  } finally {
    lock.release();
    await pool.end();
  }
  options.log?.info({ migrationsFolder: options.migrationsFolder }, 'schema up to date');
}

/**
 * Event ids an idempotent consumer has applied. Re-export it from a service's
 * `src/db/schema.ts` so its migrations create the table.
 */
export const processedEvents = pgTable('processed_events', {
  eventId: text('event_id').primaryKey(),
  processedAt: timestamp('processed_at', { withTimezone: true }).notNull().defaultNow(),
});

type Executor = Pick<NodePgDatabase<Record<string, unknown>>, 'execute'>;

/**
 * Records `eventId` inside the caller's transaction; false when it was already recorded (a
 * redelivery), in which case the caller skips the event's effects.
 */
export async function markEventProcessed(tx: Executor, eventId: string): Promise<boolean> {
  const result = await tx.execute(
    sql`insert into processed_events (event_id) values (${eventId}) on conflict (event_id) do nothing`,
  );
  return (result.rowCount ?? 0) === 1;
}
