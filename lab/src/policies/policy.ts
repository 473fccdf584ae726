// The one interface every load-balancing policy implements. A policy only decides: it sees
// per-subset observations over the last window and the weights in effect, and proposes new
// weights (any non-negative numbers; the guard rails turn them into valid integer percents).
import type { SubsetObservation } from '../core/observations.ts';
import type { Weights } from '../core/weights.ts';

export interface Policy {
  readonly name: string;
  /** `observations` are healthy (the caller fails static otherwise), one per subset. */
  decide(observations: readonly SubsetObservation[], current: Weights, nowSeconds: number): Weights;
}

export interface PolicyContext {
  readonly subsets: readonly string[];
  /** Seed of the policy's own random stream (randomised policies are reproducible). */
  readonly seed: number;
}

export interface PolicyDefinition {
  readonly name: string;
  readonly summary: string;
  /** Whether the policy adapts to observations (static ones are baselines). */
  readonly adaptive: boolean;
  create(context: PolicyContext): Policy;
}
