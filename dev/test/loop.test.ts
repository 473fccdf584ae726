// `./dev.sh up --no-docker` for real: every service as a local process against the test
// environment's servers, the shopping flow through the gateway, a saved file reloading only its
// service, `down` leaving nothing behind. Prints the two figures of the inner loop: start-up to
// all ready, and save to the reloaded service answering.
//
// It runs under a profile of its own, chosen per run (state dir, `devtest<random>_*` databases,
// a Redis database leased for the run, free ports), so a developer's running loop, its data and
// another checkout's run of this file are left alone. The reload probe
// edits real source files (a line prepended), restored in `after` and, should this process be
// killed, at the next run from the backup kept in the profile's state dir.
import { spawn } from 'node:child_process';
import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freeTcpPort, leaseRedisDatabase } from '../../packages/service-kit/src/testing.ts';
import { server } from '../../packages/testkit/src/index.ts';
import { localStatus, type WorkloadStatus } from '../local-loop.ts';
import { devProfile, REPO_ROOT } from '../profile.ts';
import { loadTopology, localPort } from '../routes.ts';

const loop = suite('dev loop without Docker (real processes, test-environment servers)');

const servers = ['POSTGRES_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'ELASTICSEARCH_URL'].map((key) => server(key));
const available = servers.every((value) => value !== undefined);

const HOME = mkdtempSync(join(tmpdir(), 'shopmesh-devtest-'));
// Backups of the files the reload probe edits, kept across a crashed run to be restored by the next
// one: per checkout, so a restore never writes one checkout's files into another.
const PROBE_BACKUPS = join(tmpdir(), `shopmesh-devtest-probe-backups-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}`);
const PREFIX = `devtest${randomBytes(3).toString('hex')}`;
const topology = await loadTopology(REPO_ROOT);
const portIsFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = createNetServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
/** A port offset under which every workload's local port is free, and a free gateway port. */
async function freePorts(): Promise<{ offset: number; proxyPort: number }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 20_000 + 200 * randomInt(0, 100);
    const ports = topology.app.map((w) => localPort(topology, w, offset));
    if ((await Promise.all(ports.map(portIsFree))).every(Boolean)) return { offset, proxyPort: await freeTcpPort() };
  }
  throw new Error('no free range of ports for the loop');
}
const ports = await freePorts();
// `reset` flushes the loop's Redis database and a test counts its keys: a database this run alone
// holds, among those no one else uses (the tests' 0, the inner loop's 13, e2e's 14 and 15 left out).
const redisLease = available ? await leaseRedisDatabase(servers[1]!, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) : undefined;
const admin = { email: `admin-${randomBytes(3).toString('hex')}@devtest.shopmesh`, password: randomBytes(12).toString('base64url') };
const env: NodeJS.ProcessEnv = {
  ...process.env,
  SHOPMESH_DEV_HOME: HOME,
  SHOPMESH_DEV_PREFIX: PREFIX,
  SHOPMESH_DEV_PORT_OFFSET: String(ports.offset),
  SHOPMESH_DEV_PROXY_PORT: String(ports.proxyPort),
  SHOPMESH_DEV_REDIS_DB: String(redisLease?.db ?? 12),
  SHOPMESH_DEV_LOG_LEVEL: 'warn',
  ADMIN_EMAIL: admin.email,
  ADMIN_PASSWORD: admin.password,
};
const profile = devProfile(env);
const gateway = `http://127.0.0.1:${profile.proxyPort}`;
const portOf = (name: string): number => localPort(topology, topology.app.find((w) => w.name === name)!, profile.portOffset);

function devSh(...args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(REPO_ROOT, 'dev.sh'), args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('close', (code) => resolve({ code, output }));
  });
}

// ── source edits for the reload probe, never left behind ──────────────────────────────────────
const edited = new Map<string, string>();

function restoreSources(): void {
  for (const [file, original] of edited) writeFileSync(file, original);
  edited.clear();
  if (!existsSync(PROBE_BACKUPS)) return;
  for (const name of readdirSync(PROBE_BACKUPS)) {
    const file = join(REPO_ROOT, decodeURIComponent(name));
    writeFileSync(file, readFileSync(join(PROBE_BACKUPS, name)));
    rmSync(join(PROBE_BACKUPS, name));
  }
}

function prependLine(relativePath: string, line: string): void {
  const file = join(REPO_ROOT, relativePath);
  const original = readFileSync(file, 'utf8');
  mkdirSync(PROBE_BACKUPS, { recursive: true });
  writeFileSync(join(PROBE_BACKUPS, encodeURIComponent(relativePath)), original);
  edited.set(file, original);
  writeFileSync(file, `${line}\n${original}`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    restoreSources();
    process.exit(1);
  });
}

// ── HTTP helpers ──────────────────────────────────────────────────────────────────────────────
interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

async function call(method: string, path: string, options: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${gateway}${path}`, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: response.status, body, headers: response.headers };
}

function expectStatus(answer: Answer, status: number, what: string): Record<string, unknown> {
  assert.is(answer.status, status, `${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as Record<string, unknown>;
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000}s`);
}

async function login(email: string, password: string): Promise<string> {
  const body = expectStatus(await call('POST', '/auth/login', { body: { email, password } }), 200, `login ${email}`);
  return body.accessToken as string;
}

const servingPids = async (): Promise<Map<string, WorkloadStatus>> =>
  new Map((await localStatus(topology, profile)).workloads.map((w) => [w.name, w]));

/** Processes still carrying this run's state dir in their environment: those the loop started. */
function leftoverProcesses(): number[] {
  const marker = `SHOPMESH_DEV_HOME=${HOME}`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

let up = false;
const shared: { userToken?: string; adminToken?: string; productId?: string; productName?: string } = {};

loop.before(() => restoreSources());
loop.after(async () => {
  restoreSources();
  if (up) await devSh('down');
  rmSync(HOME, { recursive: true, force: true });
  await redisLease?.release();
});

(available ? loop : loop.skip)('up --no-docker starts every service and the gateway, and they are ready', async () => {
  // From empty data: the first start of a fresh profile, as a developer's first day.
  const reset = await devSh('reset');
  assert.is(reset.code, 0, 'reset');
  const started = performance.now();
  const result = await devSh('up', '--no-docker');
  const wallMs = performance.now() - started;
  up = true;
  assert.is(result.code, 0, 'up --no-docker');
  const status = await servingPids();
  for (const workload of topology.app) {
    const s = status.get(workload.name)!;
    assert.is(s.ready, 200, `${workload.name} ready`);
    assert.ok(s.servingPid, `${workload.name} runs under node --watch`);
  }
  assert.match(result.output, `${admin.email} / ${admin.password}`, 'the admin account from the environment is printed');
  console.log(
    `\nFIGURE start-up: ./dev.sh up --no-docker to all ${topology.app.length} services ready: ${(wallMs / 1000).toFixed(1)} s ` +
      `(after reset: databases created, migrations, consumer groups placed; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`,
  );
});

(available ? loop : loop.skip)('the shopping flow works through the gateway', async () => {
  const suffix = randomBytes(4).toString('hex');
  const email = `shopper-${suffix}@devtest.shopmesh`;
  const registered = expectStatus(await call('POST', '/auth/register', { body: { email, password: 'correct horse 9', name: 'Shopper' } }), 201, 'register');
  assert.is(registered.email, email);
  shared.userToken = await login(email, 'correct horse 9');
  shared.adminToken = await login(admin.email, admin.password);
  assert.is(expectStatus(await call('GET', '/auth/me', { token: shared.adminToken }), 200, 'me').role, 'admin');

  shared.productName = `Devloop lamp ${suffix}`;
  const draft = { name: shared.productName, description: 'made by the dev loop test', price: 2599, category: 'lighting', stock: 10 };
  expectStatus(await call('POST', '/products/', { token: shared.userToken, body: draft }), 403, 'a user creates a product');
  const product = expectStatus(await call('POST', '/products/', { token: shared.adminToken, body: draft }), 201, 'admin creates a product');
  shared.productId = product.id as string;

  expectStatus(await call('PUT', `/cart/items/${shared.productId}`, { token: shared.userToken, body: { quantity: 2 } }), 200, 'add to cart');
  assert.is(expectStatus(await call('GET', '/cart/', { token: shared.userToken }), 200, 'cart').total, 5198);
  const order = expectStatus(await call('POST', '/orders/', { token: shared.userToken, headers: { 'idempotency-key': randomUUID() } }), 201, 'order');
  assert.equal([order.status, order.total], ['paid', 5198]);
  expectStatus(await call('POST', '/reviews/', { token: shared.userToken, body: { productId: shared.productId, rating: 5, comment: 'bright' } }), 201, 'review');

  // Events: search indexes the product, stats count the sale and the rating, the user is notified.
  const found = await eventually('search finds the new product', async () => {
    const answer = await call('GET', `/search/?q=${encodeURIComponent(suffix)}`);
    const items = (answer.body as { items?: { id: string }[] }).items ?? [];
    return items.find((item) => item.id === shared.productId);
  });
  assert.is((found as { name?: string }).name, shared.productName);
  await eventually('stats count the sale and the review', async () => {
    const stats = (await call('GET', `/stats/products/${shared.productId}`)).body as { sold?: number; ratingCount?: number };
    return stats.sold === 2 && stats.ratingCount === 1 ? stats : undefined;
  });
  await eventually('the shopper is notified of the order', async () => {
    const items = ((await call('GET', '/notifications/', { token: shared.userToken })).body as { items?: { orderId: string }[] }).items ?? [];
    return items.find((n) => n.orderId === order.id);
  });
});

/**
 * Prepends a line that changes the version a service reports in /metrics, then times from the
 * save to the first answer that shows it. Only `workloads` may change pid.
 */
async function reloadProbe(options: { file: string; metricsUrl: string; workloads: string[] }): Promise<number> {
  const bundlerLog = join(profile.logDir, 'bundler.log');
  const logStart = readFileSync(bundlerLog, 'utf8').length;
  const before = await servingPids();
  const version = `v${Date.now() % 1_000_000_000}`;
  prependLine(options.file, `process.env.SERVICE_VERSION = '${version}'; // reload probe of dev/test/loop.test.ts, removed by it`);
  const saved = performance.now();
  await eventually(`${options.file}'s service answers with the change`, async () => {
    const response = await fetch(options.metricsUrl);
    return (await response.text()).includes(`version="${version}"`) ? true : undefined;
  }, 30_000);
  const reloadMs = performance.now() - saved;
  const after = await servingPids();
  // Which bundles were rebuilt meanwhile: the probed service's, and any whose own sources someone
  // else saved during the probe (this repository is edited while its tests run).
  const rebuilt = new Set([...readFileSync(bundlerLog, 'utf8').slice(logStart).matchAll(/^\S+ (\S+): built/gm)].map((m) => m[1]!));
  const probed = topology.app.find((w) => w.name === options.workloads[0])!.app;
  assert.ok(rebuilt.has(probed), `the bundler rebuilt ${probed}`);
  for (const [name, was] of before) {
    const now = after.get(name)!;
    assert.is(now.watcherPid, was.watcherPid, `${name}'s watcher is the same process`);
    if (options.workloads.includes(name)) {
      assert.is.not(now.servingPid, was.servingPid, `${name} restarted`);
    } else if (now.servingPid !== was.servingPid) {
      const app = topology.app.find((w) => w.name === name)!.app;
      assert.ok(rebuilt.has(app), `${name} restarted although nothing of it changed`);
      console.log(`note: ${name} also restarted: its own sources were saved during the probe (bundler log: ${app}: built)`);
    }
  }
  // Put the file back and wait for that reload too, so the next probe starts from a quiet loop.
  restoreSources();
  await eventually('the restored source is served again', async () =>
    ((await (await fetch(options.metricsUrl)).text()).includes(version) ? undefined : true),
  );
  return reloadMs;
}

(available ? loop : loop.skip)('saving a service file reloads only that service, and the next request sees the change', async () => {
  const payment = await reloadProbe({
    file: 'services/payment-service/src/main.ts',
    metricsUrl: `http://127.0.0.1:${portOf('payment-service')}/metrics`,
    workloads: ['payment-service'],
  });
  // A routed service with PostgreSQL and Kafka (its /metrics is denied at the gateway: asked directly).
  const review = await reloadProbe({
    file: 'services/review-service/src/main.ts',
    metricsUrl: `http://127.0.0.1:${portOf('review-service')}/metrics`,
    workloads: ['review-service'],
  });
  console.log(
    `\nFIGURE reload: save to the reloaded service answering with the change: payment-service ${Math.round(payment)} ms, ` +
      `review-service (PostgreSQL + Kafka) ${Math.round(review)} ms (goal < 2000 ms; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores)`,
  );

  // The loop still works end to end after the reloads: an order goes through payment-service.
  expectStatus(await call('PUT', `/cart/items/${shared.productId}`, { token: shared.userToken, body: { quantity: 1 } }), 200, 'add to cart');
  const order = expectStatus(await call('POST', '/orders/', { token: shared.userToken, headers: { 'idempotency-key': randomUUID() } }), 201, 'order after reload');
  assert.is(order.status, 'paid');
});

(available ? loop : loop.skip)('down stops every process it started and frees the ports', async () => {
  const result = await devSh('down');
  up = false;
  assert.is(result.code, 0, 'down');
  assert.equal(leftoverProcesses(), [], 'no process of the loop is left');
  for (const port of [profile.proxyPort, ...topology.app.map((w) => localPort(topology, w, profile.portOffset))]) {
    const answered = await fetch(`http://127.0.0.1:${port}/healthz`).then(() => true, () => false);
    assert.not.ok(answered, `nothing answers on ${port}`);
  }
  const status = await servingPids();
  assert.ok([...status.values()].every((s) => s.watcherPid === undefined));
});

(available ? loop : loop.skip)("reset wipes the loop's data (databases, its Redis db, search index, consumer groups) and nothing else", async () => {
  const [postgresUrl, redisUrl, brokers, elasticsearchUrl] = servers as string[];
  const pgClient = new pg.Client({ connectionString: postgresUrl });
  await pgClient.connect();
  const loopRedis = new Redis(`${redisUrl}/${profile.redisDb}`);
  const otherRedis = new Redis(redisUrl!);
  const admin = new Kafka({ clientId: 'devtest', brokers: brokers!.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const canary = `${PREFIX}_canary`;
  try {
    const watched = ['auth', 'order', 'product', 'review', 'stats'].map((db) => `${PREFIX}_${db}`).concat(canary).sort();
    const loopDatabases = async (): Promise<string[]> =>
      (await pgClient.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = ANY($1) ORDER BY 1', [watched])).rows.map((r) => r.datname);
    const loopGroups = async (): Promise<string[]> => (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${PREFIX}-`));
    const index = `${elasticsearchUrl}/${PREFIX}-search-service`;
    await pgClient.query(`CREATE DATABASE ${canary}`);
    await otherRedis.set(canary, '1');
    assert.equal(await loopDatabases(), watched);
    assert.ok((await loopRedis.dbsize()) > 0, 'the flow left carts and notifications in the loop\'s Redis db');
    assert.is((await fetch(index)).status, 200);
    assert.ok((await loopGroups()).includes(`${PREFIX}-search-service`));

    assert.is((await devSh('reset')).code, 0, 'reset');
    assert.equal(await loopDatabases(), [canary], 'only the loop\'s own databases are dropped');
    assert.is(await loopRedis.dbsize(), 0);
    assert.is(await otherRedis.get(canary), '1', 'other Redis databases are untouched');
    assert.is((await fetch(index)).status, 404);
    assert.equal(await loopGroups(), []);
  } finally {
    await pgClient.query(`DROP DATABASE IF EXISTS ${canary}`);
    await otherRedis.del(canary);
    await pgClient.end();
    loopRedis.disconnect();
    otherRedis.disconnect();
    await admin.disconnect();
  }
});

loop.run();
