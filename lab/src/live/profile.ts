// How a scenario is played live: a few minutes of real time cannot play a 30-minute simulated
// scenario at 400 req/s on a small machine, so the live profile compresses the scenario's
// timeline (scenario second = live second x timeScale) and scales its arrival rates by
// `rateScale`, stretching service times by 1 / rateScale so each subset stays as loaded as in the
// scenario. Each subset is one process holding all its pods' slots and queues (one pod of
// pods x concurrency slots). The result is an ordinary SimulationModel: the simulator runs it
// as it is, and the live loop plays the same model on real processes (faults from its
// conditions, arrivals from its arrival model), so both sides see one definition.
import { NO_RETRIES } from '../core/mesh.ts';
import type { Scenario, ScenarioChange } from '../scenarios/index.ts';
import type { ArrivalModel, SimulationModel, SubsetModel } from '../simulator/model.ts';

export interface LiveProfile {
  /** Length of a live run (real seconds). */
  readonly durationSeconds: number;
  /** Live arrival rate / scenario arrival rate (service times are divided by it). */
  readonly rateScale: number;
}

/** Four minutes per strategy at a tenth of the scenario's rate (about 40-50 req/s). */
export const DEFAULT_LIVE_PROFILE: LiveProfile = { durationSeconds: 240, rateScale: 0.1 };

export class UnplayableScenarioError extends Error {}

export interface LiveScenario {
  readonly model: SimulationModel;
  /** Scenario seconds per live second. */
  readonly timeScale: number;
  /** The scenario's changes at their live times. */
  readonly changes: readonly ScenarioChange[];
}

const mean = (values: readonly number[] | undefined): number => (values && values.length > 0 ? values.reduce((s, v) => s + v, 0) / values.length : 1);

function scaleArrivals(arrivals: ArrivalModel, rateScale: number, timeScale: number): ArrivalModel {
  switch (arrivals.kind) {
    case 'poisson':
      return { kind: 'poisson', ratePerSecond: arrivals.ratePerSecond * rateScale };
    case 'schedule':
      return { kind: 'schedule', segments: arrivals.segments.map((s) => ({ fromSeconds: s.fromSeconds / timeScale, ratePerSecond: s.ratePerSecond * rateScale })) };
    case 'bursty':
      return {
        kind: 'bursty',
        calmRatePerSecond: arrivals.calmRatePerSecond * rateScale,
        burstRatePerSecond: arrivals.burstRatePerSecond * rateScale,
        meanCalmSeconds: arrivals.meanCalmSeconds / timeScale,
        meanBurstSeconds: arrivals.meanBurstSeconds / timeScale,
      };
  }
}

/** What the live loop cannot reproduce in this model (empty when it can play it). */
export function unplayable(scenario: Scenario, seed: number): string[] {
  const model = scenario.build(seed);
  const problems: string[] = [];
  if (model.timeoutMs !== undefined) problems.push('a route timeout (the gateway applies none per subset)');
  if (model.outlierDetection) problems.push('outlier detection (no Envoy in the live loop)');
  if (model.scrapeOutages?.length) problems.push('scrape outages (the shared Prometheus is not stopped)');
  for (let second = 0; second < model.durationSeconds && problems.length < 4; second++) {
    for (const subset of model.subsets) {
      const c = model.conditions(subset.name, second);
      if (c.activePods !== undefined && c.activePods < subset.pods) {
        problems.push(`pods stopping and starting (${subset.name} at ${second} s): one process per subset`);
        return problems;
      }
      if (c.podFactors) {
        problems.push(`per-pod conditions (${subset.name} at ${second} s): one process per subset`);
        return problems;
      }
    }
  }
  return problems;
}

export function liveScenario(scenario: Scenario, seed: number, profile: LiveProfile = DEFAULT_LIVE_PROFILE): LiveScenario {
  const problems = unplayable(scenario, seed);
  if (problems.length > 0) throw new UnplayableScenarioError(`scenario ${scenario.name} cannot be played live: ${problems.join('; ')}`);
  if (!(profile.durationSeconds >= 10) || !(profile.rateScale > 0 && profile.rateScale <= 1)) {
    throw new UnplayableScenarioError(`a live profile needs durationSeconds >= 10 and 0 < rateScale <= 1 (got ${profile.durationSeconds}, ${profile.rateScale})`);
  }
  const base = scenario.build(seed);
  const timeScale = base.durationSeconds / profile.durationSeconds;
  // One process per subset: every pod's slots and queue in one, at the pods' mean speed.
  const speed = new Map(base.subsets.map((s) => [s.name, mean(s.podSpeedFactors)]));
  const subsets: SubsetModel[] = base.subsets.map((s) => ({
    name: s.name,
    pods: 1,
    concurrency: s.pods * s.concurrency,
    queueLimit: s.pods * s.queueLimit,
    ...(s.serviceTime ? { serviceTime: s.serviceTime } : {}),
  }));
  const model: SimulationModel = {
    durationSeconds: profile.durationSeconds,
    warmupSeconds: Math.round(base.warmupSeconds / timeScale),
    subsets,
    arrivals: scaleArrivals(base.arrivals, profile.rateScale, timeScale),
    serviceTime: base.serviceTime,
    // One gateway sends every request, and it does not retry.
    clientProxies: 1,
    retries: NO_RETRIES,
    errorLatencyMs: base.errorLatencyMs,
    conditions: (subset, second) => {
      const c = base.conditions(subset, Math.floor(second * timeScale));
      return {
        meanServiceMs: (c.meanServiceMs * (speed.get(subset) ?? 1)) / profile.rateScale,
        errorProbability: c.errorProbability,
        ...(c.slowErrorProbability !== undefined ? { slowErrorProbability: c.slowErrorProbability } : {}),
      };
    },
  };
  const changes = scenario.changes.map((c) => ({ ...c, atSeconds: c.atSeconds / timeScale }));
  return { model, timeScale, changes };
}
