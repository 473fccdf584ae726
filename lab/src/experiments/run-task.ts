// One experiment run: a strategy on a scenario with a seed, scored.
import { findScenario } from '../scenarios/index.ts';
import { simulate } from '../simulator/engine.ts';
import type { ControlSettings, SliceStats } from '../simulator/model.ts';
import { LatencyHistogram } from '../simulator/latency-histogram.ts';
import { reactionSeconds } from './reaction.ts';

import { findStrategy } from './strategies.ts';

/** How long after a change the transient is left out of the settled p99. */
export const SETTLE_SECONDS = 30;

export interface Task {
  readonly scenario: string;
  readonly strategy: string;
  readonly seed: number;
  /** Keep the per-second weights and the slices (for plots). */
  readonly keepTimeline: boolean;
  /** Control timing other than the scenario's (sensitivity runs). */
  readonly control?: ControlSettings;
  /** Guard-rail max step other than the frozen one (the step-limit table). */
  readonly maxStepPercent?: number;
}

export interface TaskResult {
  readonly task: Task;
  readonly requests: number;
  readonly errorRate: number;
  readonly latencyMs: { readonly mean: number; readonly p50: number; readonly p95: number; readonly p99: number };
  /** p99 of the requests outside the SETTLE_SECONDS after each scenario change (NaN without changes). */
  readonly settledP99: number;
  /** One per scenario change, in seconds; null = no reaction. Empty for strategies without weights. */
  readonly reactions: readonly (number | null)[];
  readonly decisions: Readonly<Record<string, number>>;
  readonly weightsPerSecond: Readonly<Record<string, readonly number[]>> | undefined;
  readonly slices: readonly SliceStats[] | undefined;
  readonly simulatedRequests: number;
  /** Full simulations the strategy ran (more than one for a search). */
  readonly simulations: number;
  /** Probes sent per simulated request (probing balancers; 0 otherwise). */
  readonly probesPerRequest: number;
  readonly wallMs: number;
  /** Weight points moved per simulated hour (sum over subsets of |change| / 2): how much the controller churns. */
  readonly weightChurnPerHour: number;
}

export function runTask(task: Task): TaskResult {
  const scenario = findScenario(task.scenario);
  const strategy = findStrategy(task.strategy);
  const built = scenario.build(task.seed);
  const model = strategy.adjustModel ? strategy.adjustModel(built) : built;
  const subsets = model.subsets.map((s) => s.name);
  const started = performance.now();
  const control = task.control ?? scenario.control;
  const { result, simulations } = strategy.run
    ? strategy.run(scenario, model, control, task.seed)
    : {
        result: simulate(model, control, strategy.routing(scenario, subsets, task.seed, task.maxStepPercent === undefined ? {} : { maxStepPercent: task.maxStepPercent }), task.seed),
        simulations: 1,
      };
  const wallMs = performance.now() - started;
  const hasWeights = Object.values(result.weightsPerSecond).some((series) => series.length > 0);
  const reactions = hasWeights
    ? scenario.changes.map((change, i) =>
        reactionSeconds(result.weightsPerSecond[change.subset] ?? [], change, scenario.changes[i + 1]?.atSeconds),
      )
    : [];
  const settled = new LatencyHistogram(3);
  result.slices.forEach((slice, i) => {
    const inTransient = scenario.changes.some((c) => slice.startSeconds >= c.atSeconds && slice.startSeconds < c.atSeconds + SETTLE_SECONDS);
    if (!inTransient) settled.merge(result.sliceHistograms[i] as LatencyHistogram);
  });
  return {
    task,
    settledP99: scenario.changes.length > 0 ? settled.quantile(0.99) : NaN,
    requests: result.requests,
    errorRate: result.errorRate,
    latencyMs: result.latencyMs,
    reactions,
    decisions: result.decisions,
    weightsPerSecond: task.keepTimeline ? result.weightsPerSecond : undefined,
    slices: task.keepTimeline ? result.slices : undefined,
    simulatedRequests: result.simulatedRequests,
    simulations,
    probesPerRequest: result.simulatedRequests > 0 ? result.probes / result.simulatedRequests : 0,
    wallMs,
    weightChurnPerHour: churnPerHour(result.weightsPerSecond),
  };
}

function churnPerHour(weightsPerSecond: Readonly<Record<string, readonly number[]>>): number {
  let moved = 0;
  let seconds = 0;
  for (const series of Object.values(weightsPerSecond)) {
    seconds = Math.max(seconds, series.length);
    for (let i = 1; i < series.length; i++) moved += Math.abs((series[i] as number) - (series[i - 1] as number));
  }
  return seconds > 0 ? (moved / 2) * (3600 / seconds) : 0;
}
