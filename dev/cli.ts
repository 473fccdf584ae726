// `./dev.sh <command>`: the inner loop. `up` runs the shop with Docker Compose, `up --no-docker` as
// local processes against the test environment's servers; both with hot reload and the gateway's
// routes on port 13000.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverServices } from '../ci/lib/services.ts';
import { loadTestEnv } from '../packages/testkit/src/index.ts';
import { composeCommand, composeRunning, composeServicesFor, runCompose } from './compose.ts';
import { LOCAL_SERVER_KEYS, type LocalServers } from './local-env.ts';
import { BUNDLER_NAME, PROXY_NAME, localStatus, planLocalLoop, startLocalLoop, stopLocalLoop, type LocalPlan } from './local-loop.ts';
import { followLogs } from './logs.ts';
import { DevConfigError, devProfile, type DevProfile } from './profile.ts';
import { recordedNames, runningPid } from './processes.ts';
import { loadTopology, type Topology } from './routes.ts';
import { ensureDevSecrets, type DevSecrets } from './secrets.ts';
import { wipeDevData } from './stores.ts';

const USAGE = `usage: ./dev.sh <command>
  up [--no-docker]   start every service and the gateway on :13000 (Docker Compose, or local
                     processes against testenv/'s servers), hot reload on save
  down               stop everything 'up' started
  logs [service]     follow the logs (all, or one: auth-service, product-service, gateway, bundler...)
  status             what runs, where, and whether it is ready
  reset              wipe the loop's data (databases, Redis db, search index, consumer groups)
  test [service]     run one service's tests (all services' without a name)
environment: ADMIN_EMAIL + ADMIN_PASSWORD (else generated once and printed), SHOPMESH_DEV_HOME,
  SHOPMESH_DEV_PORT_OFFSET, SHOPMESH_DEV_PROXY_PORT, SHOPMESH_DEV_PREFIX, SHOPMESH_DEV_REDIS_DB,
  SHOPMESH_DEV_LOG_LEVEL`;

type Mode = 'local' | 'docker';
const STORES = ['postgres', 'redis', 'kafka', 'elasticsearch'];

const say = (line: string): void => console.log(`[dev] ${line}`);

class UsageError extends Error {}

function modeFile(profile: DevProfile): string {
  return join(profile.home, 'mode');
}

function currentMode(profile: DevProfile): Mode | undefined {
  const file = modeFile(profile);
  return existsSync(file) ? (readFileSync(file, 'utf8').trim() as Mode) : undefined;
}

function localRunning(profile: DevProfile): boolean {
  return recordedNames(profile.runDir).some((name) => runningPid(profile.runDir, name) !== undefined);
}

/** The test environment's servers for the stores; brings the missing ones up with testenv/up. */
function localServers(profile: DevProfile): LocalServers {
  const status = spawnSync(join(profile.root, 'testenv', 'status'), STORES, { stdio: 'ignore' });
  if (status.status !== 0) {
    say(`starting local servers: testenv/up ${STORES.join(' ')}`);
    const up = spawnSync(join(profile.root, 'testenv', 'up'), STORES, { stdio: 'inherit' });
    if (up.status !== 0) throw new Error(`testenv/up ${STORES.join(' ')} failed (exit ${up.status})`);
  }
  const env = loadTestEnv();
  const missing = LOCAL_SERVER_KEYS.filter((key) => !env[key]);
  if (missing.length > 0) throw new Error(`the test environment does not give ${missing.join(', ')}: run testenv/up`);
  return Object.fromEntries(LOCAL_SERVER_KEYS.map((key) => [key, env[key]!])) as unknown as LocalServers;
}

interface LocalSetup {
  topology: Topology;
  secrets: DevSecrets;
  plan: LocalPlan;
}

async function localSetup(profile: DevProfile): Promise<LocalSetup> {
  const topology = await loadTopology(profile.root);
  const secrets = ensureDevSecrets(profile.home);
  const servers = localServers(profile);
  return { topology, secrets, plan: planLocalLoop({ topology, profile, servers, secrets }) };
}

function printSummary(profile: DevProfile, topology: Topology, secrets: DevSecrets, readyMs: number, mode: Mode): void {
  const admin = secrets.values;
  say(`ready in ${Math.round(readyMs)} ms (${topology.app.length} services, ${mode === 'local' ? 'local processes: bundles rebuilt on save, run under node --watch' : 'Docker Compose'})`);
  say(`gateway  http://127.0.0.1:${profile.proxyPort}  routes ${topology.routes.map((r) => r.prefix).join(' ')}`);
  const origin = secrets.adminFrom === 'environment' ? 'from ADMIN_EMAIL/ADMIN_PASSWORD' : `generated, kept in ${join(profile.home, 'admin.json')}`;
  say(`admin    ${admin.ADMIN_EMAIL} / ${admin.ADMIN_PASSWORD}  (${origin}; created at auth-service's first start)`);
  say('next     ./dev.sh logs [service] | ./dev.sh status | ./dev.sh down');
}

function dockerRunning(profile: DevProfile): boolean {
  try {
    return composeRunning(profile);
  } catch {
    return false;
  }
}

async function up(profile: DevProfile, noDocker: boolean): Promise<void> {
  const mode: Mode = noDocker ? 'local' : 'docker';
  const other = currentMode(profile);
  if (other && other !== mode && (other === 'local' ? localRunning(profile) : dockerRunning(profile))) {
    throw new UsageError(`the loop already runs in ${other} mode: ./dev.sh down first`);
  }
  mkdirSync(profile.home, { recursive: true });
  if (mode === 'local') {
    writeFileSync(modeFile(profile), mode);
    const { topology, secrets, plan } = await localSetup(profile);
    const { readyMs } = await startLocalLoop(plan, profile, say);
    printSummary(profile, topology, secrets, readyMs, mode);
    return;
  }
  composeCommand();
  const topology = await loadTopology(profile.root);
  const secrets = ensureDevSecrets(profile.home);
  writeFileSync(modeFile(profile), mode);
  const started = performance.now();
  runCompose(profile, secrets, ['up', '--detach', '--build', '--wait']);
  printSummary(profile, topology, secrets, performance.now() - started, mode);
}

async function down(profile: DevProfile): Promise<void> {
  if (currentMode(profile) === 'docker') {
    runCompose(profile, ensureDevSecrets(profile.home), ['down']);
  } else {
    await stopLocalLoop(profile, say);
  }
  rmSync(modeFile(profile), { force: true });
  say('stopped');
}

async function status(profile: DevProfile): Promise<void> {
  if (currentMode(profile) === 'docker') {
    runCompose(profile, ensureDevSecrets(profile.home), ['ps']);
    return;
  }
  const { workloads, gatewayPid } = await localStatus(await loadTopology(profile.root), profile);
  console.log(`${'NAME'.padEnd(22)}${'PORT'.padEnd(7)}${'WATCHER'.padEnd(9)}${'SERVING'.padEnd(9)}STATE`);
  for (const w of workloads) {
    const state = w.watcherPid === undefined ? 'stopped' : w.ready === 200 ? 'ready' : w.ready ? `not ready (${w.ready})` : 'not answering';
    console.log(`${w.name.padEnd(22)}${String(w.port).padEnd(7)}${String(w.watcherPid ?? '-').padEnd(9)}${String(w.servingPid ?? '-').padEnd(9)}${state}`);
  }
  console.log(`${PROXY_NAME.padEnd(22)}${String(profile.proxyPort).padEnd(7)}${String(gatewayPid ?? '-').padEnd(9)}${'-'.padEnd(9)}${gatewayPid ? 'running' : 'stopped'}`);
  const bundlerPid = runningPid(profile.runDir, BUNDLER_NAME);
  console.log(`${BUNDLER_NAME.padEnd(22)}${'-'.padEnd(7)}${String(bundlerPid ?? '-').padEnd(9)}${'-'.padEnd(9)}${bundlerPid ? 'watching sources' : 'stopped'}`);
}

async function reset(profile: DevProfile): Promise<void> {
  if (currentMode(profile) === 'docker') {
    runCompose(profile, ensureDevSecrets(profile.home), ['down', '--volumes']);
    rmSync(modeFile(profile), { force: true });
    say('compose volumes removed; ./dev.sh up starts from empty stores');
    return;
  }
  const wasRunning = localRunning(profile);
  if (wasRunning) await stopLocalLoop(profile, say);
  const { plan } = await localSetup(profile);
  await wipeDevData(plan.data, say);
  if (wasRunning) {
    const { readyMs } = await startLocalLoop(plan, profile, say);
    say(`restarted on empty data, ready in ${Math.round(readyMs)} ms`);
  }
}

async function logs(profile: DevProfile, service: string | undefined): Promise<void> {
  const topology = await loadTopology(profile.root);
  if (currentMode(profile) === 'docker') {
    runCompose(profile, ensureDevSecrets(profile.home), ['logs', '--follow', '--tail', '100', ...composeServicesFor(topology, service)]);
    return;
  }
  const names = [...topology.app.map((w) => w.name), PROXY_NAME, BUNDLER_NAME];
  const chosen = service === undefined ? names : names.filter((n) => n === service || topology.app.some((w) => w.name === n && w.app === service));
  if (chosen.length === 0) throw new UsageError(`no service ${service}; one of: ${names.join(', ')}`);
  await followLogs(chosen.map((name) => ({ name, file: join(profile.logDir, `${name}.log`) })));
}

async function test(profile: DevProfile, service: string | undefined): Promise<void> {
  const services = (await discoverServices(profile.root)).map((s) => s.name);
  if (service !== undefined && !services.includes(service)) {
    throw new UsageError(`no service ${service}; one of: ${services.join(', ')}`);
  }
  const result = spawnSync('bash', [join(profile.root, 'scripts', 'test.sh'), service ? `services/${service}/` : 'services/'], {
    cwd: profile.root,
    stdio: 'inherit',
  });
  process.exitCode = result.status ?? 1;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const profile = devProfile();
  const flags = rest.filter((a) => a.startsWith('--'));
  const args = rest.filter((a) => !a.startsWith('--'));
  const allowed: Record<string, string[]> = { up: ['--no-docker'] };
  const badFlag = flags.find((f) => !(allowed[command ?? ''] ?? []).includes(f));
  if (badFlag) throw new UsageError(`unknown option ${badFlag} for ${command}`);
  switch (command) {
    case 'up':
      return up(profile, flags.includes('--no-docker'));
    case 'down':
      return down(profile);
    case 'status':
      return status(profile);
    case 'reset':
      return reset(profile);
    case 'logs':
      return logs(profile, args[0]);
    case 'test':
      return test(profile, args[0]);
    case 'compose':
      // Not advertised: the compose command line this machine has, for scripts.
      return void console.log(composeCommand().join(' '));
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return void console.log(USAGE);
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`[dev] ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  console.error(`[dev] ${error instanceof DevConfigError || error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
