// The PostgreSQL helpers against the test environment's real server.
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { server } from '@shopmesh/testkit';
import { applyMigrations, createPostgres, markEventProcessed, processedEvents } from '../src/db.ts';
import { isConnectionError } from '../src/errors.ts';
import { createTestDatabase, startTcpProxy, type TestDatabase } from '../src/testing.ts';

const postgresUrl = server('POSTGRES_URL');
const migrationsFolder = new URL('./fixtures/migrations/', import.meta.url).pathname;
const db = suite<{ database: TestDatabase }>('db', {} as { database: TestDatabase });
// Without the server every test is reported as skipped (and under CI server() has thrown).
const it = postgresUrl ? db : db.skip;

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

db.before(async (context) => {
  if (!postgresUrl) return;
  context.database = await createTestDatabase(postgresUrl!, 'kit_db');
});
db.after(async (context) => {
  await context.database?.drop();
});

it('migrations apply, and applying again (even twice at once) changes nothing and keeps data', async ({ database }) => {
  await applyMigrations({ url: database.url, migrationsFolder });
  await query(database.url, `insert into widgets (name, note) values ('kept', 'n')`);
  await Promise.all([
    applyMigrations({ url: database.url, migrationsFolder }),
    applyMigrations({ url: database.url, migrationsFolder }),
  ]);
  assert.equal(await query(database.url, 'select name, note from widgets'), [{ name: 'kept', note: 'n' }]);
  const applied = await query<{ n: string }>(database.url, 'select count(*) as n from drizzle.__drizzle_migrations');
  assert.is(applied[0]?.n, '3');
});

it('a migration that would drop data is refused before touching the database', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'kit-migrations-'));
  cpSync(migrationsFolder, folder, { recursive: true });
  writeFileSync(join(folder, '0001_add_note.sql'), 'ALTER TABLE "widgets" DROP COLUMN "note";');
  try {
    await applyMigrations({ url: 'postgres://nobody@127.0.0.1:1/none', migrationsFolder: folder, timeoutMs: 1 });
    assert.unreachable('should refuse');
  } catch (error) {
    assert.match((error as Error).message, /0001_add_note\.sql: "DROP COLUMN" would drop data/);
  }
});

it('the migrator waits for a database that is not up yet', async ({ database }) => {
  const target = new URL(database.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  await proxy.cut();
  const fresh = await createTestDatabase(postgresUrl!, 'kit_wait');
  try {
    setTimeout(() => proxy.restore().catch((error: unknown) => console.error('restoring the proxy failed:', error)), 1_500);
    const started = Date.now();
    await applyMigrations({ url: proxy.via(fresh.url), migrationsFolder, timeoutMs: 20_000 });
    assert.ok(Date.now() - started >= 1_400, 'it waited for the database');
    assert.equal(await query(fresh.url, 'select count(*)::int as n from widgets'), [{ n: 0 }]);
  } finally {
    await proxy.close();
    await fresh.drop();
  }
});

it('markEventProcessed: true the first time, false on redelivery', async ({ database }) => {
  const postgres = createPostgres(database.url, { processedEvents });
  try {
    const first = await postgres.db.transaction((tx) => markEventProcessed(tx, 'event-1'));
    const again = await postgres.db.transaction((tx) => markEventProcessed(tx, 'event-1'));
    assert.is(first, true);
    assert.is(again, false);
  } finally {
    await postgres.close();
  }
});

it('the pool fails fast while the server is unreachable (a connection error) and recovers', async ({ database }) => {
  const target = new URL(database.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  const postgres = createPostgres(proxy.via(database.url), {});
  try {
    await postgres.check();
    await proxy.cut();
    const started = Date.now();
    const failure = await postgres.pool.query('select 1').then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(failure, 'the query failed');
    assert.ok(isConnectionError(failure), String(failure));
    assert.ok(Date.now() - started < 5_000, 'within the connection timeout');
    await proxy.restore();
    await postgres.check();
  } finally {
    await postgres.close();
    await proxy.close();
  }
});

it('a connection lost inside an open transaction fails that transaction, not the process', async ({ database }) => {
  const target = new URL(database.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  const postgres = createPostgres(proxy.via(database.url), {});
  try {
    const outcome = await postgres.db
      .transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        await proxy.cut(); // the server goes away while the transaction is open and idle
        await new Promise((resolve) => setTimeout(resolve, 200));
        await tx.execute(sql`select 1`);
      })
      .then(
        () => 'committed',
        (error: unknown) => (isConnectionError(error) ? 'connection error' : `${String(error)} <- ${String((error as Error).cause)}`),
      );
    assert.is(outcome, 'connection error');
    await proxy.restore();
    await postgres.check();
  } finally {
    await postgres.close();
    await proxy.close();
  }
});

db.run();
