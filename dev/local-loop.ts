// `./dev.sh up --no-docker`: every workload of the manifests as a local process under
// `node --watch` (a saved file restarts only the processes that loaded it), against the test
// environment's servers, behind the gateway proxy on port 13000.
import { appendFileSync, existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Container } from '@kubernetes/client-node';
import type { BundleTarget, BundlerConfig } from './bundler.ts';
import { localEnvironment, type LocalContext } from './local-env.ts';
import { childPids, recordedNames, runningPid, startProcess, stopProcess, type ProcessSpec } from './processes.ts';
import type { DevProfile } from './profile.ts';
import { localPort, type Topology, type Workload } from './routes.ts';
import { createDatabases, devDataOf, prepareConsumerGroups, type DevData } from './stores.ts';

export const PROXY_NAME = 'gateway';
export const BUNDLER_NAME = 'bundler';

export interface LocalWorkload {
  workload: Workload;
  port: number;
  /** The bundle its process runs. */
  bundle: string;
  process: ProcessSpec;
}

export interface LocalPlan {
  /** Init containers (schema migrations), one per service and command. */
  migrations: { name: string; app: string; command: string[]; cwd: string; env: Record<string, string> }[];
  workloads: LocalWorkload[];
  proxy: ProcessSpec;
  /** Builds each service's bundle and rebuilds it on save (see bundler.ts). */
  bundler: ProcessSpec;
  /** Where the bundles go; its node_modules links to the repository's, for their imports. */
  buildDir: string;
  data: DevData;
}

/** What every process inherits from the developer's shell: enough to run node, nothing a service reads. */
const INHERITED = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE'];

function baseEnvironment(profile: DevProfile): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  // Marks every process of this loop (and their children), so that none can be missed.
  env.SHOPMESH_DEV_HOME = profile.home;
  return env;
}

/**
 * The image runs `node dist/<x>.js` (its CMD, or an init container's command); locally that is
 * `src/<x>.ts` of the service's folder, under tsx.
 */
export function sourceEntry(container: V1Container, at: string): string {
  const command = [...(container.command ?? []), ...(container.args ?? [])];
  if (command.length === 0) return 'src/main.ts';
  const match = command.length === 2 && command[0] === 'node' ? /^dist\/([\w-]+)\.js$/.exec(command[1]!) : null;
  if (!match) throw new Error(`${at}: container ${container.name} runs ${command.join(' ')}; the dev loop maps only node dist/<x>.js`);
  return `src/${match[1]}.ts`;
}

export function planLocalLoop(context: LocalContext): LocalPlan {
  const { topology, profile } = context;
  const base = baseEnvironment(profile);
  const node = process.execPath;
  const migrations = new Map<string, LocalPlan['migrations'][number]>();
  const buildDir = join(profile.home, 'build');
  const targets = new Map<string, BundleTarget>();
  const workloads = topology.app.map((workload): LocalWorkload => {
    const cwd = join(profile.root, 'services', workload.app);
    for (const init of workload.initContainers) {
      const entry = sourceEntry(init, workload.source);
      const name = `${workload.app}-${init.name}`;
      if (!migrations.has(name)) {
        migrations.set(name, { name, app: workload.app, cwd, command: [node, '--import', 'tsx', entry], env: { ...base, ...localEnvironment(context, workload, init) } });
      }
    }
    const logFile = join(profile.logDir, `${workload.name}.log`);
    const target = targets.get(workload.app) ?? {
      app: workload.app,
      entry: join(cwd, sourceEntry(workload.container, workload.source)),
      outfile: join(buildDir, workload.app, 'main.mjs'),
      logFiles: [],
    };
    target.logFiles.push(logFile);
    targets.set(workload.app, target);
    return {
      workload,
      port: localPort(topology, workload, profile.portOffset),
      bundle: target.outfile,
      process: {
        name: workload.name,
        cwd,
        command: [node, '--enable-source-maps', '--watch', '--watch-preserve-output', target.outfile],
        env: { ...base, ...localEnvironment(context, workload, workload.container) },
        logFile,
      },
    };
  });
  const bundlerConfig: BundlerConfig = { root: profile.root, kitDir: join(profile.root, 'packages', 'service-kit'), targets: [...targets.values()] };
  const bundler: ProcessSpec = {
    name: BUNDLER_NAME,
    cwd: profile.root,
    command: [node, '--import', 'tsx', join(profile.root, 'dev', 'bundler.ts')],
    env: { ...base, DEV_BUNDLER_CONFIG: JSON.stringify(bundlerConfig) },
    logFile: join(profile.logDir, `${BUNDLER_NAME}.log`),
  };
  const proxy: ProcessSpec = {
    name: PROXY_NAME,
    cwd: profile.root,
    command: [node, '--import', 'tsx', join(profile.root, 'dev', 'proxy.ts')],
    env: {
      ...base,
      DEV_UPSTREAMS: 'local',
      SHOPMESH_DEV_PORT_OFFSET: String(profile.portOffset),
      SHOPMESH_DEV_PROXY_PORT: String(profile.proxyPort),
    },
    logFile: join(profile.logDir, `${PROXY_NAME}.log`),
  };
  return {
    migrations: [...migrations.values()],
    workloads,
    proxy,
    bundler,
    buildDir,
    data: devDataOf([...workloads.map((w) => w.process.env), ...[...migrations.values()].map((m) => m.env)]),
  };
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function runToCompletion(step: LocalPlan['migrations'][number], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(step.command[0]!, step.command.slice(1), { cwd: step.cwd, env: step.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      appendFileSync(logFile, output);
      if (code === 0) resolve();
      else reject(new Error(`${step.name} exited ${code}:\n${output.trim().split('\n').slice(-10).join('\n')}`));
    });
  });
}

export interface ReadyReport {
  /** Milliseconds from the call to every workload answering 200 on /readyz. */
  readyMs: number;
}

/** Starts what is not running yet, waits until every workload is ready. */
export async function startLocalLoop(plan: LocalPlan, profile: DevProfile, say: (line: string) => void, timeoutMs = 180_000): Promise<ReadyReport> {
  const started = performance.now();
  mkdirSync(profile.logDir, { recursive: true });
  const toStart = [...plan.workloads.map((w) => w.process), plan.proxy].filter((p) => runningPid(profile.runDir, p.name) === undefined);
  const ports = new Map<string, number>([...plan.workloads.map((w) => [w.workload.name, w.port] as const), [PROXY_NAME, profile.proxyPort]]);
  for (const spec of toStart) {
    const port = ports.get(spec.name)!;
    if (await portInUse(port)) {
      throw new Error(`port ${port} (${spec.name}) is taken by another program: stop it, or set SHOPMESH_DEV_PORT_OFFSET / SHOPMESH_DEV_PROXY_PORT`);
    }
  }
  // Like pods: each workload starts once its own service's init containers (migrations) are done;
  // consumers also wait for their consumer group to be placed at the topics' end.
  const starting = new Set(toStart.map((p) => p.name));
  const workloadsToStart = plan.workloads.filter((w) => starting.has(w.workload.name));
  const apps = new Set(workloadsToStart.map((w) => w.workload.app));
  const databases = createDatabases(plan.data.databases);
  const consumerGroups = prepareConsumerGroups(plan.data.consumerGroups);
  for (const pending of [databases, consumerGroups]) pending.catch(() => undefined);
  const migrated = new Map(
    [...apps].map((app) => {
      const steps = plan.migrations.filter((m) => m.app === app);
      const done = databases.then(() => Promise.all(steps.map((m) => runToCompletion(m, join(profile.logDir, `${m.name}.log`)))));
      return [app, done] as const;
    }),
  );
  const bundled = workloadsToStart.length > 0 ? ensureBundles(plan, profile) : Promise.resolve();
  bundled.catch(() => undefined);
  await Promise.all([
    ...workloadsToStart.map(async (w) => {
      await migrated.get(w.workload.app);
      if ('KAFKA_GROUP_ID' in w.process.env) await consumerGroups;
      await bundled;
      startProcess(profile.runDir, w.process);
    }),
    ...toStart.filter((p) => p.name === PROXY_NAME).map(async (p) => startProcess(profile.runDir, p)),
  ]);
  say(`started ${toStart.length === 0 ? 'nothing (all running)' : toStart.map((p) => p.name).join(', ')}`);
  await waitUntilReady(plan, profile, timeoutMs);
  return { readyMs: performance.now() - started };
}

/** Starts the bundler unless it runs, and waits for every bundle to exist. */
async function ensureBundles(plan: LocalPlan, profile: DevProfile, timeoutMs = 60_000): Promise<void> {
  // The bundles import third-party packages: resolve them from the repository's node_modules.
  mkdirSync(plan.buildDir, { recursive: true });
  const link = join(plan.buildDir, 'node_modules');
  if (!existsSync(link)) symlinkSync(join(profile.root, 'node_modules'), link);
  for (const w of plan.workloads) {
    const nested = join(profile.root, 'services', w.workload.app, 'node_modules');
    const nestedLink = join(dirname(w.bundle), 'node_modules');
    if (existsSync(nested) && !existsSync(nestedLink)) {
      mkdirSync(dirname(w.bundle), { recursive: true });
      symlinkSync(nested, nestedLink);
    }
  }
  if (runningPid(profile.runDir, BUNDLER_NAME) === undefined) startProcess(profile.runDir, plan.bundler);
  const deadline = performance.now() + timeoutMs;
  while (!plan.workloads.every((w) => existsSync(w.bundle))) {
    const log = logTail(plan.bundler.logFile, 15);
    if (runningPid(profile.runDir, BUNDLER_NAME) === undefined || log.includes('build failed') || performance.now() > deadline) {
      throw new Error(`the bundler could not build every service (${plan.bundler.logFile}):\n${log}`);
    }
    await sleep(50);
  }
}

async function answers(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return undefined;
  }
}

export const readyzUrl = (port: number): string => `http://127.0.0.1:${port}/readyz`;

async function waitUntilReady(plan: LocalPlan, profile: DevProfile, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let pending = plan.workloads;
  while (true) {
    const states = await Promise.all(pending.map(async (w) => ({ w, status: await answers(readyzUrl(w.port)) })));
    pending = states.filter((s) => s.status !== 200).map((s) => s.w);
    const proxyUp = await portInUse(profile.proxyPort);
    if (pending.length === 0 && proxyUp) return;
    const crashed = pending.filter((w) => {
      const watcher = runningPid(profile.runDir, w.workload.name);
      return watcher === undefined || (childPids(watcher).length === 0 && logTail(w.process.logFile, 3).includes('Failed running'));
    });
    if (crashed.length > 0 || performance.now() > deadline) {
      const failing = crashed.length > 0 ? crashed : pending;
      const details = failing.map((w) => `--- ${w.workload.name} (${w.process.logFile}):\n${logTail(w.process.logFile, 12)}`);
      const verb = crashed.length > 0 ? 'exited' : `not ready after ${timeoutMs / 1000}s`;
      throw new Error(`${failing.map((w) => w.workload.name).join(', ')} ${verb}${proxyUp ? '' : ' (and the gateway is not listening)'}\n${details.join('\n')}`);
    }
    await sleep(100);
  }
}

export function logTail(file: string, lines: number): string {
  if (!existsSync(file)) return '(no log yet)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Stops every process this loop started (gateway first, bundler last), whole process groups. */
export async function stopLocalLoop(profile: DevProfile, say: (line: string) => void): Promise<void> {
  const names = recordedNames(profile.runDir);
  const stop = async (name: string): Promise<void> => {
    if (runningPid(profile.runDir, name) === undefined) return;
    await stopProcess(profile.runDir, name);
    say(`stopped ${name}`);
  };
  await stop(PROXY_NAME);
  await Promise.all(names.filter((n) => n !== PROXY_NAME && n !== BUNDLER_NAME).map(stop));
  await stop(BUNDLER_NAME);
}

export interface WorkloadStatus {
  name: string;
  port: number;
  /** The `node --watch` supervisor. */
  watcherPid?: number;
  /** The process serving now (changes at each reload). */
  servingPid?: number;
  /** /readyz status, or undefined when nothing answers. */
  ready?: number;
}

export async function localStatus(topology: Topology, profile: DevProfile): Promise<{ workloads: WorkloadStatus[]; gatewayPid?: number }> {
  const workloads = await Promise.all(
    topology.app.map(async (workload): Promise<WorkloadStatus> => {
      const port = localPort(topology, workload, profile.portOffset);
      const watcherPid = runningPid(profile.runDir, workload.name);
      const servingPid = watcherPid === undefined ? undefined : childPids(watcherPid)[0];
      const ready = await answers(readyzUrl(port));
      return { name: workload.name, port, ...(watcherPid ? { watcherPid } : {}), ...(servingPid ? { servingPid } : {}), ...(ready ? { ready } : {}) };
    }),
  );
  const gatewayPid = runningPid(profile.runDir, PROXY_NAME);
  return { workloads, ...(gatewayPid ? { gatewayPid } : {}) };
}
