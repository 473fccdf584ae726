// product-service v1 and v2 as real processes (the service's own main.ts, unchanged) over a
// database of the run's own on the test PostgreSQL and a Redis db of the run's own, each with a
// fault file (FAULT_FILE, the service kit's fault setting) the live loop rewrites while they run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultSetting } from '@shopmesh/service-kit/fault';
import { applyMigrations } from '@shopmesh/service-kit/db';
import { createTestDatabase, freeTcpPort, type TestDatabase } from '@shopmesh/service-kit/testing';
import { undoOnInterrupt } from './cleanup.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'services/product-service/src/main.ts');
const MIGRATIONS = join(ROOT, 'services/product-service/drizzle');

export interface LiveServers {
  readonly POSTGRES_URL: string;
  readonly REDIS_URL: string;
  readonly KAFKA_BROKERS: string;
}

export interface RunningVersion {
  readonly version: string;
  readonly url: string;
  readonly faultFile: string;
  readonly process: ChildProcess;
  readonly logFile: string;
}

export class ProductServiceVersions {
  readonly versions = new Map<string, RunningVersion>();
  private database: TestDatabase | undefined;
  private forget: (() => void) | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'lab-live-'));

  constructor(
    private readonly servers: LiveServers,
    /** Redis db of the run's own (tests use 0, 12, 14, the inner loop 13, the services bench 15). */
    private readonly redisDb: number,
  ) {}

  /** Starts one process per version and waits until each is ready. */
  async start(versions: readonly string[], initial: Readonly<Record<string, FaultSetting>>): Promise<void> {
    this.forget = undoOnInterrupt(() => this.stop());
    this.database = await createTestDatabase(this.servers.POSTGRES_URL, 'lab_live');
    await applyMigrations({ url: this.database.url, migrationsFolder: MIGRATIONS });
    const redis = new URL(this.servers.REDIS_URL);
    redis.pathname = `/${this.redisDb}`;
    await Promise.all(
      versions.map(async (version) => {
        const port = await freeTcpPort();
        const faultFile = join(this.dir, `fault-${version}.json`);
        this.setFault(faultFile, initial[version] ?? {});
        const logFile = join(this.dir, `product-service-${version}.log`);
        const log = openSync(logFile, 'a');
        const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
          cwd: ROOT,
          stdio: ['ignore', log, log],
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            PORT: String(port),
            HOST: '127.0.0.1',
            SERVICE_VERSION: version,
            LOG_LEVEL: 'warn',
            DATABASE_URL: this.database?.url,
            REDIS_URL: redis.toString(),
            KAFKA_BROKERS: this.servers.KAFKA_BROKERS,
            // Only read when a request carries a token; the live load sends none.
            AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
            FAULT_FILE: faultFile,
          },
        });
        const running: RunningVersion = { version, url: `http://127.0.0.1:${port}`, faultFile, process: child, logFile };
        this.versions.set(version, running);
        await waitReady(running);
      }),
    );
  }

  /** Rewrites a version's fault file (whole, then renamed: the process never reads half of it). */
  fault(version: string, setting: Partial<FaultSetting>): void {
    const running = this.versions.get(version);
    if (!running) throw new Error(`no product-service ${version} running`);
    this.setFault(running.faultFile, setting);
  }

  private setFault(file: string, setting: Partial<FaultSetting>): void {
    writeFileSync(`${file}.tmp`, JSON.stringify(setting));
    renameSync(`${file}.tmp`, file);
  }

  url(version: string): string {
    const running = this.versions.get(version);
    if (!running) throw new Error(`no product-service ${version} running`);
    return running.url;
  }

  async stop(): Promise<void> {
    this.forget?.();
    await Promise.all([...this.versions.values()].map((v) => stopProcess(v.process)));
    this.versions.clear();
    await this.database?.drop().catch(() => undefined);
    this.database = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function waitReady(running: RunningVersion, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (running.process.exitCode !== null) break;
    const ok = await fetch(`${running.url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const tail = readFileSync(running.logFile, 'utf8').split('\n').slice(-15).join('\n');
  throw new Error(`product-service ${running.version} not ready at ${running.url} (exit code ${running.process.exitCode}); its log:\n${tail}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
