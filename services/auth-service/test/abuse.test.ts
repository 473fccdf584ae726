// Rate limits against the test environment's real PostgreSQL and Redis: keyed on the client
// address as the trusted proxy saw it (never on what the client writes in X-Forwarded-For), per
// account as well, and shared by replicas through Redis.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxyServer } from 'http-proxy-3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import type { App } from '@shopmesh/service-kit';
import { applyMigrations } from '@shopmesh/service-kit/db';
import { callJson, createTestDatabase, listenOnFreePort, uniqueSuffix, type TestDatabase } from '@shopmesh/service-kit/testing';
import { buildApp } from '../src/app.ts';
import { authMigrationsFolder, newPrivateKeyPem } from './harness.ts';

const postgresUrl = server('POSTGRES_URL');
const redisUrl = server('REDIS_URL');
const abuse = suite<{ database: TestDatabase }>('auth-service abuse limits', {} as { database: TestDatabase });
const it = postgresUrl && redisUrl ? abuse : abuse.skip;

abuse.before(async (context) => {
  if (!postgresUrl || !redisUrl) return;
  context.database = await createTestDatabase(postgresUrl, 'auth_abuse');
  await applyMigrations({ url: context.database.url, migrationsFolder: authMigrationsFolder });
});
abuse.after(async (context) => {
  await context.database?.drop();
});

/** An auth-service with limits of `perMinute`; replicas get the same `prefix` (one Redis, shared counters). */
async function startAuth(databaseUrl: string, perMinute: number, prefix = `auth-abuse-${uniqueSuffix()}:`): Promise<{ app: App; url: string }> {
  const { app } = await buildApp({
    env: {
      DATABASE_URL: databaseUrl,
      JWT_PRIVATE_KEY: newPrivateKeyPem(),
      ADMIN_EMAIL: `boss-${uniqueSuffix()}@shop.test`,
      ADMIN_PASSWORD: 'first-password',
      LOG_LEVEL: 'silent',
      REDIS_URL: redisUrl,
      RATE_LIMIT_KEY_PREFIX: prefix,
      LOGIN_RATE_LIMIT_PER_MINUTE: String(perMinute),
      REGISTER_RATE_LIMIT_PER_MINUTE: String(perMinute),
      REFRESH_RATE_LIMIT_PER_MINUTE: String(perMinute),
      TRUSTED_PROXY_HOPS: '1',
    },
  });
  return { app, url: await listenOnFreePort(app) };
}

/** A gateway like the inner loop's (http-proxy-3, appending the address it saw to X-Forwarded-For). */
async function startGateway(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const proxy = createProxyServer({ xfwd: true });
  const gateway: Server = createServer((req, res) => proxy.web(req, res, { target }));
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => gateway.close(() => resolve())),
  };
}

const login = (url: string, email: string, forwardedFor?: string) =>
  callJson(url, 'POST', '/login', { body: { email, password: 'a guess' }, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });

it('six logins through the gateway with rotating X-Forwarded-For against a limit of three: the last three are 429', async ({ database }) => {
  const auth = await startAuth(database.url, 3);
  const gateway = await startGateway(auth.url);
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      // Another account each time, so only the per-address limit can stop them.
      const answer = await login(gateway.url, `victim-${i}-${uniqueSuffix()}@shop.test`, `203.0.113.${i + 1}`);
      statuses.push(answer.status);
      if (answer.status === 429) assert.is(answer.body.error.code, 'rate_limited');
    }
    assert.equal(statuses, [401, 401, 401, 429, 429, 429]);
  } finally {
    await gateway.close();
    await auth.app.close();
  }
});

it('per account: one e-mail tried from four addresses is limited at the fourth; another account is not', async ({ database }) => {
  const auth = await startAuth(database.url, 3);
  try {
    // Called directly, the test is the trusted hop: each X-Forwarded-For is another client.
    const email = `target-${uniqueSuffix()}@shop.test`;
    const statuses = [];
    for (let i = 1; i <= 4; i++) statuses.push((await login(auth.url, email, `198.51.100.${i}`)).status);
    assert.equal(statuses, [401, 401, 401, 429]);
    assert.is((await login(auth.url, `other-${uniqueSuffix()}@shop.test`, '198.51.100.99')).status, 401);
    assert.is((await login(auth.url, email.toUpperCase(), '198.51.100.98')).status, 429, 'the account whatever the casing');
  } finally {
    await auth.app.close();
  }
});

it('two replicas share the counters in Redis; /register and /refresh are limited too', async ({ database }) => {
  const prefix = `auth-abuse-shared-${uniqueSuffix()}:`;
  const [first, second] = [await startAuth(database.url, 3, prefix), await startAuth(database.url, 3, prefix)];
  try {
    const client = '192.0.2.7';
    const statuses = [];
    for (const replica of [first, second, first, second]) statuses.push((await login(replica.url, `r-${uniqueSuffix()}@shop.test`, client)).status);
    assert.equal(statuses, [401, 401, 401, 429]);

    const register = (i: number) =>
      callJson(second.url, 'POST', '/register', {
        body: { email: `new-${i}-${uniqueSuffix()}@shop.test`, password: 'long enough', name: 'N' },
        headers: { 'x-forwarded-for': '192.0.2.8' },
      });
    const registered = [];
    for (let i = 0; i < 4; i++) registered.push((await register(i)).status);
    assert.equal(registered, [201, 201, 201, 429]);

    const refresh = () => callJson(first.url, 'POST', '/refresh', { body: { refreshToken: `made-up-${uniqueSuffix()}` }, headers: { 'x-forwarded-for': '192.0.2.9' } });
    const refreshed = [];
    for (let i = 0; i < 4; i++) refreshed.push((await refresh()).status);
    assert.equal(refreshed, [401, 401, 401, 429]);
  } finally {
    await first.app.close();
    await second.app.close();
  }
});

it('/register answers a taken e-mail with 409 on field email without hashing the password first', async ({ database }) => {
  const auth = await startAuth(database.url, 1000);
  try {
    const email = `taken-${uniqueSuffix()}@shop.test`;
    assert.is((await callJson(auth.url, 'POST', '/register', { body: { email, password: 'long enough', name: 'A' } })).status, 201);
    // A hash (argon2id, 19 MiB, t=2) takes tens of milliseconds; the look-up alone is far quicker.
    const timings: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      const again = await callJson(auth.url, 'POST', '/register', { body: { email, password: 'long enough', name: 'B' } });
      timings.push(performance.now() - started);
      assert.equal([again.status, again.body.error.field], [409, 'email']);
    }
    const started = performance.now();
    await callJson(auth.url, 'POST', '/register', { body: { email: `fresh-${uniqueSuffix()}@shop.test`, password: 'long enough', name: 'C' } });
    const withHash = performance.now() - started;
    const fastest = Math.min(...timings);
    console.log(`register: taken e-mail ${fastest.toFixed(1)} ms, new account (hash) ${withHash.toFixed(1)} ms, ratio ${(withHash / fastest).toFixed(1)}`);
    assert.ok(fastest < withHash, `a taken e-mail (${fastest} ms) answers before any hash (${withHash} ms)`);
  } finally {
    await auth.app.close();
  }
});

abuse.run();
