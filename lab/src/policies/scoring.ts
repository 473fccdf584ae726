// What policies share: how a subset's observation is scored. Errors count: a subset that answers
// fast 503s must not look fast (Linkerd's latency-only EWMA problem). Under 'flat' a failed
// attempt costs the penalty; under 'retry-aware' it costs what it costs the client under the
// route's retry policy (Istio's default): another attempt inside the subset after the back-off,
// and the penalty only when every attempt failed. The destination-reported error rate is per
// attempt, so 'flat' counts a fast 503 that a retry hides as a lost request.
import { ISTIO_DEFAULT_RETRIES, type RetryPolicy } from '../core/mesh.ts';
import type { SubsetObservation } from '../core/observations.ts';
import type { Weights } from '../core/weights.ts';
import { weightOf } from '../core/weights.ts';
import { TUNED } from '../protocol/tuned.ts';

/** What one failed request costs, in ms: the user retries or gives up, so it is worse than slow. */
export const ERROR_PENALTY_MS = TUNED.errorPenaltyMs;

/** How an error is costed (tuned.ts `errorCost`). */
export type ErrorCost = 'flat' | 'retry-aware';

/**
 * Expected cost (ms) of one request sent to a subset whose attempts take `attemptLatencyMs` on
 * average (failed ones included, as Istio's histogram has them) and fail with `errorRate`.
 */
export function requestCostMs(
  attemptLatencyMs: number,
  errorRate: number,
  errorPenaltyMs = ERROR_PENALTY_MS,
  cost: ErrorCost = TUNED.errorCost,
  retries: RetryPolicy = ISTIO_DEFAULT_RETRIES,
): number {
  const latency = Math.max(attemptLatencyMs, 0.001);
  const e = Math.min(1, Math.max(0, errorRate));
  if (cost === 'flat') return (1 - e) * latency + e * Math.max(errorPenaltyMs, latency);
  // Attempt n happens with probability e^n; before it, the mean of the jittered back-off.
  let total = 0;
  let reached = 1;
  for (let n = 0; n <= retries.attempts; n++) {
    if (n > 0) total += reached * 0.5 * Math.min(retries.maxIntervalMs, ((1 << n) - 1) * retries.baseIntervalMs);
    total += reached * latency;
    reached *= e;
  }
  return total + reached * Math.max(errorPenaltyMs, latency);
}

/** Expected cost of one request sent to the subset, from its mean latency and error rate. */
export function effectiveLatencyMs(observation: SubsetObservation, errorPenaltyMs = ERROR_PENALTY_MS, cost: ErrorCost = TUNED.errorCost): number {
  return requestCostMs(observation.meanLatencyMs, observation.errorRate, errorPenaltyMs, cost);
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
