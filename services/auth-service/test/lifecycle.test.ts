// auth-service's start-up, schema apply and outages, against real PostgreSQL.
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import pg from 'pg';
import { server } from '@shopmesh/testkit';
import { applyMigrations } from '@shopmesh/service-kit/db';
import { createTestDatabase, listenOnFreePort, startTcpProxy, uniqueSuffix, type TestDatabase } from '@shopmesh/service-kit/testing';
import { buildApp } from '../src/app.ts';
import { authMigrationsFolder, newPrivateKeyPem } from './harness.ts';

const postgresUrl = server('POSTGRES_URL');
const lifecycle = suite<{ database: TestDatabase }>('auth-service lifecycle', {} as { database: TestDatabase });
const it = postgresUrl ? lifecycle : lifecycle.skip;
const serviceDir = new URL('..', import.meta.url).pathname;

lifecycle.before.each(async (context) => {
  if (!postgresUrl) return;
  context.database = await createTestDatabase(postgresUrl, 'auth_lifecycle');
});
lifecycle.after.each(async (context) => {
  await context.database?.drop();
});

const envFor = (databaseUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  DATABASE_URL: databaseUrl,
  JWT_PRIVATE_KEY: newPrivateKeyPem(),
  ADMIN_EMAIL: 'boss@shop.test',
  ADMIN_PASSWORD: 'first-password',
  LOG_LEVEL: 'silent',
  REDIS_URL: server('REDIS_URL'),
  RATE_LIMIT_KEY_PREFIX: `auth-lifecycle-${uniqueSuffix()}:`,
  ...extra,
});

function run(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: serviceDir,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

async function count(url: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
  } finally {
    await client.end();
  }
}

it('src/migrate.ts applies the schema, twice without harm; without DATABASE_URL it exits 1 naming it', async ({ database }) => {
  const first = await run('src/migrate.ts', { DATABASE_URL: database.url });
  assert.is(first.code, 0, first.output);
  const second = await run('src/migrate.ts', { DATABASE_URL: database.url });
  assert.is(second.code, 0, second.output);
  assert.is(await count(database.url, 'select count(*) as n from drizzle.__drizzle_migrations'), 2);
  assert.is(await count(database.url, 'select count(*) as n from users'), 0);
  const missing = await run('src/migrate.ts', {});
  assert.is(missing.code, 1);
  assert.match(missing.output, /missing required environment variable DATABASE_URL/);
});

it('src/main.ts without its secrets exits 1 naming each missing variable', async ({ database }) => {
  const result = await run('src/main.ts', { DATABASE_URL: database.url, PORT: '0x' });
  assert.is(result.code, 1);
  for (const name of ['JWT_PRIVATE_KEY', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'PORT']) assert.ok(result.output.includes(name), name);
  const notRsa = await run('src/main.ts', {
    ...envFor(database.url),
    JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----',
  });
  assert.is(notRsa.code, 1);
  assert.match(notRsa.output, /JWT_PRIVATE_KEY is invalid/);
});

it('the admin is created once: a restart with another password leaves the account as it was', async ({ database }) => {
  await applyMigrations({ url: database.url, migrationsFolder: authMigrationsFolder });
  const first = await buildApp({ env: envFor(database.url) });
  await first.app.close();
  const second = await buildApp({ env: envFor(database.url, { ADMIN_PASSWORD: 'second-password' }) });
  try {
    assert.is(await count(database.url, "select count(*) as n from users where role = 'admin'"), 1);
    const login = (password: string) =>
      second.app.inject({ method: 'POST', url: '/login', payload: { email: 'boss@shop.test', password } });
    assert.is((await login('first-password')).statusCode, 200);
    assert.is((await login('second-password')).statusCode, 401);
  } finally {
    await second.app.close();
  }
});

it('PostgreSQL unreachable: /readyz and requests answer 503; it recovers when the database is back', async ({ database }) => {
  await applyMigrations({ url: database.url, migrationsFolder: authMigrationsFolder });
  const target = new URL(database.url);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port) });
  const { app } = await buildApp({ env: envFor(proxy.via(database.url)) });
  const url = await listenOnFreePort(app);
  const register = (email: string) =>
    fetch(`${url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'long enough', name: 'N' }),
    });
  try {
    assert.is((await fetch(`${url}/readyz`)).status, 200);
    await proxy.cut();
    const notReady = await fetch(`${url}/readyz`);
    assert.is(notReady.status, 503);
    // auth-service's own stores: PostgreSQL (accounts) and Redis (rate-limit counters).
    assert.equal(await notReady.json(), { status: 'down', checks: { postgres: 'down', redis: 'up' } });
    const refused = await register('during@shop.test');
    assert.is(refused.status, 503);
    assert.is(((await refused.json()) as { error: { code: string } }).error.code, 'dependency_unavailable');
    assert.is((await fetch(`${url}/healthz`)).status, 200, 'alive all along');
    await proxy.restore();
    assert.is((await fetch(`${url}/readyz`)).status, 200);
    assert.is((await register('after@shop.test')).status, 201);
  } finally {
    await app.close();
    await proxy.close();
  }
});

lifecycle.run();
