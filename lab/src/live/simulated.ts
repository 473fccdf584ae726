// The simulator on the live profile: the same live model (one pod of all the slots per subset,
// one client proxy, the manifest's retries) and the same mesh timing as the live run, for the
// live run's seed and for further seeds (the simulator's spread around its own figure).
import { findStrategy } from '../experiments/strategies.ts';
import { geomeanInterval, pairedRatio, type RatioInterval } from '../protocol/paired.ts';
import type { Scenario } from '../scenarios/index.ts';
import { simulate } from '../simulator/engine.ts';
import type { ControlSettings } from '../simulator/model.ts';
import { liveScenario, type LiveProfile } from './profile.ts';

export interface SimulatedFigures {
  readonly strategy: string;
  /** On the live run's seed. */
  readonly p50: number;
  readonly p99: number;
  readonly errorRate: number;
  readonly requests: number;
  /** Over every seed: geometric means with their 95% intervals. */
  readonly p50OverSeeds: RatioInterval;
  readonly p99OverSeeds: RatioInterval;
  readonly p99PerSeed: readonly number[];
  readonly p50PerSeed: readonly number[];
}

export function simulateLive(scenario: Scenario, profile: LiveProfile, control: ControlSettings, strategy: string, seeds: readonly number[]): SimulatedFigures {
  const runs = seeds.map((seed) => {
    const { model } = liveScenario(scenario, seed, profile);
    const subsets = model.subsets.map((s) => s.name);
    return simulate(model, control, findStrategy(strategy).routing(scenario, subsets, seed), seed);
  });
  const first = runs[0];
  if (!first) throw new Error('simulateLive needs at least one seed');
  const p99PerSeed = runs.map((r) => r.latencyMs.p99);
  const p50PerSeed = runs.map((r) => r.latencyMs.p50);
  return {
    strategy,
    p50: first.latencyMs.p50,
    p99: first.latencyMs.p99,
    errorRate: first.errorRate,
    requests: first.requests,
    p50OverSeeds: geomeanInterval(p50PerSeed),
    p99OverSeeds: geomeanInterval(p99PerSeed),
    p99PerSeed,
    p50PerSeed,
  };
}

/** a / b on the simulator, paired by seed. */
export function simulatedRatio(a: SimulatedFigures, b: SimulatedFigures, quantile: 'p50' | 'p99'): RatioInterval {
  return quantile === 'p99' ? pairedRatio(a.p99PerSeed, b.p99PerSeed) : pairedRatio(a.p50PerSeed, b.p50PerSeed);
}
