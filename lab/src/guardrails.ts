// Guard rails applied to every policy's proposal before it reaches the VirtualService. Pure
// functions: the same code runs in the controller and in the simulator.
import type { SubsetObservation } from './core/observations.ts';
import { TUNED } from './protocol/tuned.ts';
import { formatWeights, weightOf, weightsEqual, type Weights } from './core/weights.ts';

export interface GuardrailConfig {
  readonly subsets: readonly string[];
  /** Every subset keeps at least this percentage, so that its telemetry keeps flowing. */
  readonly floorPercent: number;
  /** Largest change of any subset's weight in one step, in percentage points. */
  readonly maxStepPercent: number;
  /** Proposals whose largest change is below this many points are ignored. */
  readonly hysteresisPercent: number;
  /** An observation whose newest sample is older than this is stale (fail-static). */
  readonly staleAfterSeconds: number;
  /** A subset whose error rate (0..1) is above this triggers a rollback. */
  readonly errorRateThreshold: number;
  /** Below this request rate (req/s) a subset's error rate is too noisy to judge. */
  readonly minRequestRateForErrors: number;
}

export const DEFAULT_GUARDRAILS: Omit<GuardrailConfig, 'subsets'> = {
  ...TUNED.guardrails,
  staleAfterSeconds: 120,
};

/** Problems with a configuration, one message each; empty when it is usable. */
export function guardrailConfigProblems(config: GuardrailConfig): string[] {
  const problems: string[] = [];
  const { subsets, floorPercent, maxStepPercent, hysteresisPercent } = config;
  if (subsets.length < 2) problems.push(`needs at least two subsets (got ${subsets.length})`);
  if (new Set(subsets).size !== subsets.length) problems.push(`subsets must be distinct (got ${subsets.join(',')})`);
  if (!Number.isInteger(floorPercent) || floorPercent < 0) problems.push(`floor must be a non-negative integer (got ${floorPercent})`);
  else if (floorPercent * subsets.length > 100) problems.push(`floor ${floorPercent}% times ${subsets.length} subsets exceeds 100%`);
  if (!Number.isInteger(maxStepPercent) || maxStepPercent < 1 || maxStepPercent > 100) {
    problems.push(`max step must be an integer in 1..100 (got ${maxStepPercent})`);
  }
  if (!(hysteresisPercent >= 0 && hysteresisPercent <= maxStepPercent)) {
    problems.push(`hysteresis must be in 0..max step (got ${hysteresisPercent})`);
  }
  if (!(config.staleAfterSeconds > 0)) problems.push(`stale-after must be positive (got ${config.staleAfterSeconds})`);
  if (!(config.errorRateThreshold > 0 && config.errorRateThreshold <= 1)) {
    problems.push(`error-rate threshold must be in (0, 1] (got ${config.errorRateThreshold})`);
  }
  if (!(config.minRequestRateForErrors >= 0)) {
    problems.push(`minimum request rate must be non-negative (got ${config.minRequestRateForErrors})`);
  }
  return problems;
}

/**
 * Integers summing to `total` from non-negative reals that sum to it: floors, then the units
 * left go to the largest fractional parts (ties to the earlier subset).
 */
export function largestRemainder(values: readonly number[], total = 100): number[] {
  const floors = values.map((value) => Math.floor(value));
  const left = Math.max(0, Math.min(values.length, Math.round(total - floors.reduce((sum, v) => sum + v, 0))));
  const order = values
    .map((value, index) => ({ index, fraction: value - Math.floor(value) }))
    .sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  for (let i = 0; i < left; i++) floors[(order[i] as { index: number }).index]! += 1;
  return floors;
}

/** Scales non-negative values to sum to 100; garbage (NaN, negative) counts as 0; all-zero splits evenly. */
export function normalizeTo100(values: readonly number[]): number[] {
  const clean = values.map((value) => (Number.isFinite(value) && value > 0 ? value : 0));
  const sum = clean.reduce((total, value) => total + value, 0);
  if (sum === 0) return clean.map(() => 100 / clean.length);
  return clean.map((value) => (value * 100) / sum);
}

/**
 * Raises every value to at least `floor` by water-filling: the deficit is taken from the others
 * in proportion to their size, so their ratios are kept. Input and output sum to 100.
 */
export function raiseToFloor(values: readonly number[], floor: number): number[] {
  const pinned = values.map(() => false);
  let result = [...values];
  for (let round = 0; round < values.length; round++) {
    const freeSum = values.reduce((sum, value, i) => (pinned[i] ? sum : sum + value), 0);
    const available = 100 - floor * pinned.filter(Boolean).length;
    const freeCount = pinned.filter((p) => !p).length;
    result = values.map((value, i) =>
      pinned[i] ? floor : freeSum > 0 ? (value * available) / freeSum : available / freeCount,
    );
    const below = result.map((value, i) => !pinned[i] && value < floor);
    if (!below.some(Boolean)) return result;
    below.forEach((isBelow, i) => {
      if (isBelow) pinned[i] = true;
    });
  }
  return result;
}

/** Any proposal as valid weights: integers, sum 100, each at least the floor. */
export function sanitizeWeights(proposal: Weights, subsets: readonly string[], floor: number): Record<string, number> {
  const values = raiseToFloor(normalizeTo100(subsets.map((subset) => weightOf(proposal, subset))), floor);
  return toRecord(subsets, largestRemainder(values));
}

/**
 * Moves from `current` toward `target` (both valid) by at most `maxStep` points per subset:
 * the same fraction of every subset's change, so the sum stays 100.
 */
export function limitStep(target: Weights, current: Weights, subsets: readonly string[], maxStep: number): Record<string, number> {
  const deltas = subsets.map((subset) => weightOf(target, subset) - weightOf(current, subset));
  const largest = Math.max(...deltas.map(Math.abs));
  if (largest <= maxStep) return toRecord(subsets, subsets.map((subset) => weightOf(target, subset)));
  const fraction = maxStep / largest;
  return toRecord(subsets, largestRemainder(subsets.map((subset, i) => weightOf(current, subset) + fraction * (deltas[i] as number))));
}

/** Largest absolute change between two weight sets, in points. */
export function largestChange(a: Weights, b: Weights, subsets: readonly string[]): number {
  return Math.max(...subsets.map((subset) => Math.abs(weightOf(a, subset) - weightOf(b, subset))));
}

/** Keeps the failing subsets at or below their current weight; what they would gain goes to the others. */
export function forbidIncrease(
  target: Weights,
  current: Weights,
  subsets: readonly string[],
  failing: ReadonlySet<string>,
): Record<string, number> {
  if (subsets.every((subset) => failing.has(subset))) return toRecord(subsets, subsets.map((s) => weightOf(current, s)));
  let surplus = 0;
  const values = subsets.map((subset) => {
    const wanted = weightOf(target, subset);
    const now = weightOf(current, subset);
    if (failing.has(subset) && wanted > now) {
      surplus += wanted - now;
      return now;
    }
    return wanted;
  });
  const healthyTotal = subsets.reduce((sum, subset, i) => (failing.has(subset) ? sum : sum + (values[i] as number)), 0);
  const healthyCount = subsets.filter((subset) => !failing.has(subset)).length;
  const adjusted = values.map((value, i) => {
    if (failing.has(subsets[i] as string)) return value;
    return value + (healthyTotal > 0 ? (surplus * value) / healthyTotal : surplus / healthyCount);
  });
  return toRecord(subsets, largestRemainder(adjusted));
}

export type Assessment = { readonly healthy: true } | { readonly healthy: false; readonly reason: string };

/** Fail-static check: every subset has a fresh, non-empty observation. */
export function assessObservations(
  observations: readonly SubsetObservation[],
  config: Pick<GuardrailConfig, 'subsets' | 'staleAfterSeconds'>,
  nowSeconds: number,
): Assessment {
  const problems: string[] = [];
  for (const subset of config.subsets) {
    const observation = observations.find((o) => o.subset === subset);
    if (!observation) problems.push(`${subset}: no observation`);
    else if (observation.status !== 'ok') problems.push(`${subset}: ${observation.detail || observation.status}`);
    else if (!Number.isFinite(observation.meanLatencyMs)) problems.push(`${subset}: no latency data`);
    else if (!(nowSeconds - observation.sampledAt <= config.staleAfterSeconds)) {
      const age = Number.isFinite(observation.sampledAt) ? `${Math.round(nowSeconds - observation.sampledAt)}s old` : 'undated';
      problems.push(`${subset}: newest sample is ${age} (limit ${config.staleAfterSeconds}s)`);
    }
  }
  return problems.length === 0 ? { healthy: true } : { healthy: false, reason: problems.join('; ') };
}

/** Subsets whose error rate is above the threshold, with enough traffic to judge it. */
export function failingSubsets(
  observations: readonly SubsetObservation[],
  config: Pick<GuardrailConfig, 'errorRateThreshold' | 'minRequestRateForErrors'>,
): SubsetObservation[] {
  return observations.filter(
    (o) => o.status === 'ok' && o.requestRate >= config.minRequestRateForErrors && o.errorRate > config.errorRateThreshold,
  );
}

export type GuardAction = 'hold' | 'change' | 'fail-static' | 'rollback';

export interface GuardState {
  /** Weights that were in effect over the last window in which no subset failed. */
  readonly lastGood?: Weights;
}

export interface GuardInput {
  readonly proposal: Weights;
  readonly current: Weights;
  readonly observations: readonly SubsetObservation[];
  readonly nowSeconds: number;
  readonly state: GuardState;
  readonly config: GuardrailConfig;
}

export interface GuardDecision {
  readonly weights: Weights;
  readonly action: GuardAction;
  readonly reason: string;
  readonly state: GuardState;
}

const percent = (fraction: number): string => `${(fraction * 100).toFixed(1)}%`;

/**
 * The whole chain: fail-static on missing or stale metrics (the policy is not asked);
 * otherwise the proposal made valid (integers, sum 100, floor), never raising a failing
 * subset, bounded per step, and dropped below the hysteresis threshold; and a rollback to the
 * last good weights when a failing subset had been given more traffic than it had then (unless
 * the proposal already takes it further down).
 */
export function guard(input: GuardInput): GuardDecision {
  const { proposal, current, observations, nowSeconds, state, config } = input;
  const { subsets } = config;
  const assessment = assessObservations(observations, config, nowSeconds);
  if (!assessment.healthy) {
    return {
      weights: current,
      action: 'fail-static',
      reason: `metrics missing or stale (${assessment.reason}); weights left at ${formatWeights(current, subsets)}`,
      state,
    };
  }

  const base = sanitizeWeights(current, subsets, config.floorPercent);
  const failing = failingSubsets(observations, config);
  const failingNames = failing.map((o) => `${o.subset} error rate ${percent(o.errorRate)}`).join(', ');
  const nextState: GuardState = failing.length > 0 ? state : { lastGood: base };
  const failingSet = new Set(failing.map((o) => o.subset));

  const notes: string[] = [];
  let target: Weights = sanitizeWeights(proposal, subsets, config.floorPercent);
  if (failing.length > 0) {
    target = forbidIncrease(target, base, subsets, failingSet);
    notes.push(`${failingNames} above ${percent(config.errorRateThreshold)}: not allowed to grow`);
  }
  const stepped = limitStep(target, base, subsets, config.maxStepPercent);
  if (!weightsEqual(stepped, target, subsets)) notes.push(`step limited to ${config.maxStepPercent} points`);
  const change = largestChange(stepped, base, subsets);
  const final = change > 0 && change < config.hysteresisPercent ? base : stepped;
  if (final === base && change > 0) notes.push(`change of ${change} points below hysteresis ${config.hysteresisPercent}`);

  // Rollback: a change gave a now-failing subset more traffic than it had in the last good
  // window. Restore those weights, unless the proposal already takes the failing subsets further down.
  const lastGood = state.lastGood;
  if (lastGood && failing.some((o) => weightOf(current, o.subset) > weightOf(lastGood, o.subset))) {
    const restored = sanitizeWeights(lastGood, subsets, config.floorPercent);
    const failingShare = (weights: Weights): number => failing.reduce((sum, o) => sum + weightOf(weights, o.subset), 0);
    if (failingShare(restored) <= failingShare(final)) {
      return {
        weights: restored,
        action: weightsEqual(restored, current, subsets) ? 'hold' : 'rollback',
        reason: `${failingNames} above ${percent(config.errorRateThreshold)}: rolling back to last good weights ${formatWeights(restored, subsets)}`,
        state,
      };
    }
  }

  const unchanged = weightsEqual(final, current, subsets);
  return {
    weights: final,
    action: unchanged ? 'hold' : 'change',
    reason: notes.join('; '),
    state: nextState,
  };
}

function toRecord(subsets: readonly string[], values: readonly number[]): Record<string, number> {
  return Object.fromEntries(subsets.map((subset, i) => [subset, values[i] as number]));
}
