// What policies share: how a subset's observation is scored. Errors count as much as latency:
// a subset that answers fast 503s must not look fast (Linkerd's latency-only EWMA problem).
import type { SubsetObservation } from '../core/observations.ts';
import type { Weights } from '../core/weights.ts';
import { weightOf } from '../core/weights.ts';
import { TUNED } from '../protocol/tuned.ts';

/** What one failed request costs, in ms: the user retries or gives up, so it is worse than slow. */
export const ERROR_PENALTY_MS = TUNED.errorPenaltyMs;

/** Expected cost of one request sent to the subset: its latency, with failures at the penalty. */
export function effectiveLatencyMs(observation: SubsetObservation, errorPenaltyMs = ERROR_PENALTY_MS): number {
  const latency = Math.max(observation.meanLatencyMs, 0.001);
  const errors = observation.errorRate;
  return (1 - errors) * latency + errors * Math.max(errorPenaltyMs, latency);
}

/** The observation of each subset, in the subsets' order; throws when one is missing. */
export function observationsBySubset(
  observations: readonly SubsetObservation[],
  subsets: readonly string[],
): SubsetObservation[] {
  return subsets.map((subset) => {
    const found = observations.find((o) => o.subset === subset);
    if (!found) throw new Error(`no observation for subset ${subset}`);
    return found;
  });
}

/** Shares (fractions summing to 1) of the current weights; equal when they are all zero. */
export function currentShares(current: Weights, subsets: readonly string[]): number[] {
  const values = subsets.map((subset) => Math.max(0, weightOf(current, subset)));
  const total = values.reduce((sum, v) => sum + v, 0);
  return total > 0 ? values.map((v) => v / total) : values.map(() => 1 / subsets.length);
}

export function toWeights(subsets: readonly string[], values: readonly number[]): Weights {
  const total = values.reduce((sum, v) => sum + v, 0);
  return Object.fromEntries(subsets.map((subset, i) => [subset, total > 0 ? ((values[i] as number) * 100) / total : 100 / subsets.length]));
}
