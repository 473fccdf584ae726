// A scenario: a model of the product-service subsets under some load and events, the control
// loop's timing, and the moments at which a good controller should react.
import { MESH_TELEMETRY } from '../core/mesh.ts';
import type { Random } from '../core/random.ts';
import type { ControlSettings, SimulationModel, SubsetConditions, SubsetModel } from '../simulator/model.ts';

export interface ScenarioChange {
  readonly atSeconds: number;
  readonly subset: string;
  /** Whether traffic should move away from the subset (it got worse) or back toward it. */
  readonly direction: 'away' | 'toward';
  readonly label: string;
}

/**
 * Which evaluation a scenario belongs to: constants may be tuned on 'tuning' scenarios only;
 * 'held-out' scenarios are run once the constants are frozen, on fresh seeds.
 */
export type ScenarioSet = 'tuning' | 'held-out';

export interface Scenario {
  readonly name: string;
  readonly set: ScenarioSet;
  readonly title: string;
  readonly description: string;
  readonly control: ControlSettings;
  readonly changes: readonly ScenarioChange[];
  /**
   * 'static-optimal': the subsets are alike, so the manifest's even split is already right;
   * 'persistent-heterogeneity': one subset is steadily or lastingly slower.
   */
  readonly tags?: readonly ('static-optimal' | 'persistent-heterogeneity')[];
  build(seed: number): SimulationModel;
}

/** The mesh's timing in real seconds, the same object the controller's defaults come from. */
export const DEFAULT_CONTROL: ControlSettings = MESH_TELEMETRY;

/** Scored after this much traffic (the first windows fill up). */
export const WARMUP_SECONDS = 60;

/** product-service's two versions: 4 pods each, 2 requests served at once per pod. */
export function productSubsets(): SubsetModel[] {
  const pod = { pods: 4, concurrency: 2, queueLimit: 64, podSpeedFactors: [0.9, 1, 1, 1.1] };
  return [
    { name: 'v1', ...pod },
    { name: 'v2', ...pod },
  ];
}

/**
 * Slow drift of a service time: a mean-reverting random walk of its logarithm (about +-10%),
 * one step per simulated second, from its own seeded stream.
 */
export function driftingServiceTime(random: Random, reversion = 0.005, volatility = 0.01): (seconds: number) => number {
  let logFactor = 0;
  let lastSecond = -1;
  return (seconds) => {
    for (; lastSecond < seconds; lastSecond++) logFactor = logFactor * (1 - reversion) + volatility * random.normal();
    return Math.exp(logFactor);
  };
}

export type ConditionsBySubset = Readonly<Record<string, (seconds: number) => SubsetConditions>>;

export function conditionsFrom(bySubset: ConditionsBySubset): SimulationModel['conditions'] {
  return (subset, seconds) => {
    const conditions = bySubset[subset];
    if (!conditions) throw new Error(`scenario has no conditions for subset ${subset}`);
    return conditions(seconds);
  };
}
