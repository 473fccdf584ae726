// The whole shop as real processes on loopback, against the test environment's servers: every
// Deployment of k8s/app-manifests.yaml (product-service v1 and v2 included) with the environment
// its manifest gives it, resolved by the inner loop's code (dev/local-env.ts) onto data of this
// run's own (databases `<prefix>_*`, an index, consumer groups), its schema applied first as its
// init container would, and the inner loop's gateway (dev/proxy.ts) in front, routing as
// main-routing-vs does. Only Istio's gateway and sidecars are not there.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { localEnvironment, type LocalContext, type LocalServers } from '../../dev/local-env.ts';
import { sourceEntry } from '../../dev/local-loop.ts';
import { REPO_ROOT, type DevProfile } from '../../dev/profile.ts';
import { loadTopology, localPort, type Topology, type Workload } from '../../dev/routes.ts';
import { createDatabases, devDataOf, prepareConsumerGroups, wipeDevData, type DevData } from '../../dev/stores.ts';
import { runToCompletion, startProcess, type ServiceProcess } from './service-process.ts';

/** How a service's `main` is run: from source under tsx, or as the bundle its image runs. */
export type ServiceRunner = (app: string) => { command: string[]; cwd: string };

export const fromSource: ServiceRunner = (app) => ({
  command: [process.execPath, '--import', 'tsx', 'src/main.ts'],
  cwd: join(REPO_ROOT, 'services', app),
});

export interface ExtraWorkload {
  /** Its own name (`payment-service-declining`). */
  name: string;
  /** The Deployment it is a variant of: same program and environment, plus `env`. */
  like: string;
  env: Record<string, string>;
}

export interface ShopOptions {
  servers: LocalServers;
  /** Names this run's databases, index and consumer groups (lower case, digits, _). */
  prefix: string;
  /** The Redis database the services use, apart from the tests' (0) and the inner loop's (13). */
  redisDb: number;
  /** LOG_LEVEL of every service; the manifests' level when absent. */
  logLevel?: string;
  /** Variables added to (or replacing) a workload's environment, by workload name. */
  env?: Readonly<Record<string, Record<string, string>>>;
  extra?: readonly ExtraWorkload[];
}

export interface PlannedWorkload {
  name: string;
  app: string;
  port: number;
  url: string;
  env: Record<string, string>;
}

export interface ShopPlan {
  prefix: string;
  topology: Topology;
  portOffset: number;
  gatewayUrl: string;
  admin: { email: string; password: string };
  workloads: PlannedWorkload[];
  /** One schema migration per service with a database (v1 and v2 share product-db). */
  migrations: { app: string; entry: string; env: Record<string, string> }[];
  data: DevData;
  logDir: string;
  /** The base URL of a workload (`product-service-v2`). */
  url(name: string): string;
}

export interface Shop extends ShopPlan {
  processes: ReadonlyMap<string, ServiceProcess>;
  gateway: ServiceProcess;
  /** Stops every process (graceful, then SIGKILL) and removes this run's data, and its logs unless `keepLogs`. */
  stop(options?: { keepLogs?: boolean }): Promise<void>;
}

const INHERITED = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE'];

function inheritedEnvironment(): Record<string, string> {
  return Object.fromEntries(INHERITED.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
}

export const uniquePrefix = (kind: string): string => `${kind}_${randomBytes(3).toString('hex')}`;

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/**
 * An offset for the manifests' ports (3001 → 3001 + offset) under which every port of the shop
 * and the gateway is free, below the kernel's ephemeral range so outgoing connections never take them.
 */
async function choosePortOffset(basePorts: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const offset = 20_000 + 200 * Math.floor(Math.random() * 45);
    const free = await Promise.all(basePorts.map((port) => portFree(port + offset)));
    if (free.every(Boolean)) return offset;
  }
  throw new Error('no free range of ports for the shop on 127.0.0.1');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** The gateway listens at offset + 3000 (the cluster's NodePort is 13000; 3000 keeps it beside the services). */
const GATEWAY_BASE_PORT = 3000;

export async function planShop(options: ShopOptions): Promise<ShopPlan> {
  const topology = await loadTopology(REPO_ROOT);
  const basePorts = [GATEWAY_BASE_PORT, ...topology.app.map((w) => localPort(topology, w))];
  const portOffset = await choosePortOffset(basePorts);
  const logDir = join(tmpdir(), `shopmesh-${options.prefix}`);
  mkdirSync(logDir, { recursive: true });
  const profile: DevProfile = {
    root: REPO_ROOT,
    home: logDir,
    runDir: logDir,
    logDir,
    prefix: options.prefix,
    portOffset,
    proxyPort: GATEWAY_BASE_PORT + portOffset,
    redisDb: options.redisDb,
    logLevel: options.logLevel,
  };
  const admin = { email: `admin-${options.prefix}@shop.test`, password: randomBytes(12).toString('base64url') };
  const jwtKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const context: LocalContext = {
    topology,
    profile,
    servers: options.servers,
    secrets: { values: { JWT_PRIVATE_KEY: jwtKey, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password }, adminFrom: 'generated' },
  };
  const base = inheritedEnvironment();
  const environmentOf = (workload: Workload, extra: Record<string, string> = {}): Record<string, string> => ({
    ...base,
    ...localEnvironment(context, workload, workload.container),
    ...(options.env?.[workload.name] ?? {}),
    ...extra,
  });

  const workloads: PlannedWorkload[] = topology.app.map((workload) => {
    const env = environmentOf(workload);
    const port = Number(env.PORT);
    return { name: workload.name, app: workload.app, port, url: `http://127.0.0.1:${port}`, env };
  });
  for (const extra of options.extra ?? []) {
    const model = topology.app.find((w) => w.name === extra.like);
    if (!model) throw new Error(`extra workload ${extra.name}: no Deployment ${extra.like}-deployment in the manifests`);
    const port = await freePort();
    const env = environmentOf(model, { ...extra.env, PORT: String(port) });
    workloads.push({ name: extra.name, app: model.app, port, url: `http://127.0.0.1:${port}`, env });
  }

  const migrations = new Map<string, ShopPlan['migrations'][number]>();
  for (const workload of topology.app) {
    for (const init of workload.initContainers) {
      if (migrations.has(workload.app)) continue;
      const env = { ...base, ...localEnvironment(context, workload, init) };
      migrations.set(workload.app, { app: workload.app, entry: sourceEntry(init, workload.source), env });
    }
  }

  const byName = new Map(workloads.map((w) => [w.name, w]));
  return {
    prefix: options.prefix,
    topology,
    portOffset,
    gatewayUrl: `http://127.0.0.1:${profile.proxyPort}`,
    admin,
    workloads,
    migrations: [...migrations.values()],
    data: devDataOf([...workloads.map((w) => w.env), ...[...migrations.values()].map((m) => m.env)]),
    logDir,
    url(name) {
      const workload = byName.get(name);
      if (!workload) throw new Error(`no workload ${name} in the shop (${[...byName.keys()].join(', ')})`);
      return workload.url;
    },
  };
}

async function status(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return undefined;
  }
}

/** Waits until every URL answers 200; throws naming the laggards, or a process that died, with its output. */
async function waitUntilReady(checks: { process: ServiceProcess; url: string }[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = checks;
  while (pending.length > 0) {
    const dead = pending.find((check) => check.process.exited !== undefined);
    if (dead) {
      throw new Error(`${dead.process.name} exited (${dead.process.exited}) while starting:\n${dead.process.logTail()}`);
    }
    const answers = await Promise.all(pending.map(async (check) => ({ check, status: await status(check.url) })));
    pending = answers.filter((a) => a.status !== 200).map((a) => a.check);
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      const report = answers
        .filter((a) => a.status !== 200)
        .map((a) => `${a.check.process.name}: ${a.check.url} answered ${a.status ?? 'nothing'}\n${a.check.process.logTail(8)}`);
      throw new Error(`not ready after ${timeoutMs / 1000} s:\n${report.join('\n')}`);
    }
    await sleep(250);
  }
}

async function wipe(data: DevData): Promise<void> {
  // The Redis database is shared by runs of the same kind: its keys are per user or invalidated by writes.
  await wipeDevData({ ...data, redis: [] }, () => {}).catch((error: unknown) =>
    console.warn(`could not remove all of this run's data: ${error instanceof Error ? error.message : String(error)}`),
  );
}

/** Creates the run's data, applies schemas, starts every workload and the gateway; all ready, or nothing left running. */
export async function startShop(plan: ShopPlan, runner: ServiceRunner = fromSource, readyTimeoutMs = 180_000): Promise<Shop> {
  const processes = new Map<string, ServiceProcess>();
  let gateway: ServiceProcess | undefined;
  const stopAll = async (): Promise<void> => {
    await Promise.all([...processes.values(), ...(gateway ? [gateway] : [])].map((p) => p.stop()));
  };
  try {
    await createDatabases(plan.data.databases);
    await prepareConsumerGroups(plan.data.consumerGroups);
    await Promise.all(
      plan.migrations.map((migration) =>
        runToCompletion({
          name: `${migration.app} migrate`,
          command: [process.execPath, '--import', 'tsx', migration.entry],
          cwd: join(REPO_ROOT, 'services', migration.app),
          env: migration.env,
          logFile: join(plan.logDir, `${migration.app}-migrate.log`),
        }),
      ),
    );
    for (const workload of plan.workloads) {
      const { command, cwd } = runner(workload.app);
      processes.set(
        workload.name,
        startProcess({ name: workload.name, command, cwd, env: workload.env, logFile: join(plan.logDir, `${workload.name}.log`) }),
      );
    }
    gateway = startProcess({
      name: 'gateway',
      command: [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'dev', 'proxy.ts')],
      cwd: REPO_ROOT,
      env: {
        ...inheritedEnvironment(),
        DEV_UPSTREAMS: 'local',
        SHOPMESH_DEV_PORT_OFFSET: String(plan.portOffset),
        SHOPMESH_DEV_PROXY_PORT: new URL(plan.gatewayUrl).port,
      },
      logFile: join(plan.logDir, 'gateway.log'),
    });
    await waitUntilReady(
      [
        ...plan.workloads.map((w) => ({ process: processes.get(w.name)!, url: `${w.url}/readyz` })),
        // /healthz is denied at the gateway: the public keys prove it routes to auth-service.
        { process: gateway, url: `${plan.gatewayUrl}/auth/.well-known/jwks.json` },
      ],
      readyTimeoutMs,
    );
  } catch (error) {
    await stopAll();
    await wipe(plan.data);
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n(logs of every process in ${plan.logDir})`, { cause: error });
  }
  const runningGateway = gateway;
  return {
    ...plan,
    processes,
    gateway: runningGateway,
    async stop({ keepLogs = false } = {}) {
      await stopAll();
      await wipe(plan.data);
      if (keepLogs) console.warn(`the shop's logs are kept in ${plan.logDir}`);
      else rmSync(plan.logDir, { recursive: true, force: true });
    },
  };
}
