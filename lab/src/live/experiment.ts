// A live experiment: product-service v1 and v2 started once, the scenario played live for static
// 50/50 and for the controller (same arrival seed, a namespace each), the simulator on the same
// live profile, and the report.
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { leaseRedisDatabase } from '@shopmesh/service-kit/testing';
import type { Scenario } from '../scenarios/index.ts';
import type { ControlSettings } from '../simulator/model.ts';
import { arrivalTimes } from './arrivals.ts';
import { isFailure, playLoad } from './load.ts';
import { liveScenario, type LiveProfile } from './profile.ts';
import type { SimulationModel } from '../simulator/model.ts';
import type { LiveExperiment } from './report.ts';
import { runLive } from './run.ts';
import { ProductServiceVersions, type LiveServers } from './services.ts';
import { simulateLive } from './simulated.ts';

export interface LiveEnvironment extends LiveServers {
  readonly PROMETHEUS_URL: string;
  readonly PROMETHEUS_TARGETS_DIR: string;
  readonly SHOPMESH_KUBECONFIG: string;
}

export const LIVE_ENVIRONMENT_KEYS: readonly (keyof LiveEnvironment)[] = [
  'PROMETHEUS_URL',
  'PROMETHEUS_TARGETS_DIR',
  'SHOPMESH_KUBECONFIG',
  'POSTGRES_URL',
  'REDIS_URL',
  'KAFKA_BROKERS',
];

export interface LiveExperimentOptions {
  readonly scenario: Scenario;
  readonly profile: LiveProfile;
  readonly control: ControlSettings;
  readonly seed: number;
  /** Further simulator seeds besides the live one. */
  readonly extraSimulatedSeeds: number;
  readonly candidate: string;
  readonly environment: LiveEnvironment;
  readonly log?: (line: string) => void;
}

/**
 * A Redis db of the run's own, leased as the tests lease theirs (so a test that flushes its
 * database never gets this one): 0 holds the leases, 13 is the inner loop's, 14 and 15 the e2e
 * tests' and the services bench's.
 */
const LIVE_REDIS_DATABASES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

function meanRate(model: SimulationModel): number {
  const a = model.arrivals;
  if (a.kind === 'poisson') return a.ratePerSecond;
  if (a.kind === 'schedule') return a.segments.reduce((sum, s) => sum + s.ratePerSecond, 0) / a.segments.length;
  return (a.calmRatePerSecond * a.meanCalmSeconds + a.burstRatePerSecond * a.meanBurstSeconds) / (a.meanCalmSeconds + a.meanBurstSeconds);
}

/** The service with no fault, straight: what every live latency has on top of its fault. */
async function bareLatency(url: string, ratePerSecond: number, seconds: number, seed: number): Promise<{ p50: number; p99: number; requests: number }> {
  // The first second warms the process up (connections, JIT) and is not counted.
  const times = arrivalTimes({ kind: 'poisson', ratePerSecond }, seconds + 1, seed);
  const outcomes = (await playLoad({ url: `${url}/?limit=20`, times, startMs: performance.now() })).filter((o) => o.atSeconds >= 1);
  const latencies = outcomes.filter((o) => !isFailure(o)).map((o) => o.latencyMs).sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99), requests: outcomes.length };
}

export async function liveExperiment(options: LiveExperimentOptions): Promise<LiveExperiment> {
  const { scenario, profile, control, seed, candidate, environment } = options;
  const say = options.log ?? (() => undefined);
  const startedAt = new Date().toISOString();
  const live = liveScenario(scenario, seed, profile);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(environment.SHOPMESH_KUBECONFIG);
  const lease = await leaseRedisDatabase(environment.REDIS_URL, LIVE_REDIS_DATABASES);
  const services = new ProductServiceVersions(environment, lease.db);
  const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const results = [];
  let bare = { p50: NaN, p99: NaN, requests: 0 };
  try {
    const subsets = live.model.subsets.map((s) => s.name);
    await services.start(subsets, {});
    say(`product-service ${subsets.map((s) => `${s} ${services.url(s)}`).join(', ')} (logs in ${services.dir})`);
    bare = await bareLatency(services.url(subsets[0] as string), meanRate(live.model), 5, seed);
    say(`floor: product-service ${subsets[0]} with no fault, p50 ${bare.p50.toFixed(1)} ms, p99 ${bare.p99.toFixed(1)} ms`);
    for (const strategy of ['static', candidate]) {
      say(`${strategy}: playing ${scenario.name} live for ${profile.durationSeconds} s`);
      // Each run gets the model afresh (its conditions are read once per second, in order).
      const run = await runLive({
        live: liveScenario(scenario, seed, profile),
        strategy,
        seed,
        control,
        namespace: `lab-live-${strategy}-${runId}`,
        kubeConfig,
        prometheusUrl: environment.PROMETHEUS_URL,
        targetsDir: environment.PROMETHEUS_TARGETS_DIR,
        services,
        log: say,
      });
      say(`${strategy}: live p50 ${run.latencyMs.p50.toFixed(1)} ms, p99 ${run.latencyMs.p99.toFixed(1)} ms, ${run.requests} requests, ${run.failures} failed`);
      results.push(run);
    }
  } finally {
    await services.stop();
    await lease.release();
  }
  const simulatedSeeds = [seed, ...Array.from({ length: options.extraSimulatedSeeds }, (_, i) => seed + 1 + i)];
  const simulated = ['static', candidate].map((strategy) => simulateLive(scenario, profile, control, strategy, simulatedSeeds));
  return { scenario: scenario.name, profile, timeScale: live.timeScale, control, seed, simulatedSeeds, candidate, startedAt, live: results, simulated, bare };
}
