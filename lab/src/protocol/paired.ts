// Paired comparisons across seeds: every strategy runs on the same seeds, so a ratio is judged
// on the per-seed log ratios (the seed's shared randomness cancels), with a Student-t 95%
// interval on their mean, exponentiated: a geometric-mean ratio with its interval.

/** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101,
  2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tQuantile975(degreesOfFreedom: number): number {
  if (!(degreesOfFreedom >= 1)) return NaN;
  if (degreesOfFreedom <= 30) return T975[Math.floor(degreesOfFreedom) - 1] as number;
  // Cornish-Fisher expansion around the normal quantile: within 1e-3 above 30 degrees of freedom.
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * degreesOfFreedom) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * degreesOfFreedom ** 2);
}

export interface RatioInterval {
  /** exp(mean of the log ratios): the geometric mean of the per-seed ratios. */
  readonly ratio: number;
  readonly lo: number;
  readonly hi: number;
  readonly seeds: number;
}

/** Mean and t interval of values, exponentiated (values are log ratios). */
export function expInterval(logs: readonly number[]): RatioInterval {
  const n = logs.length;
  if (n === 0 || logs.some((v) => !Number.isFinite(v))) return { ratio: NaN, lo: NaN, hi: NaN, seeds: n };
  const mean = logs.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { ratio: Math.exp(mean), lo: NaN, hi: NaN, seeds: 1 };
  const variance = logs.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  const half = tQuantile975(n - 1) * Math.sqrt(variance / n);
  return { ratio: Math.exp(mean), lo: Math.exp(mean - half), hi: Math.exp(mean + half), seeds: n };
}

/** a[i] / b[i] paired by seed (same index = same seed). */
export function pairedRatio(a: readonly number[], b: readonly number[]): RatioInterval {
  if (a.length !== b.length) throw new Error(`paired ratio needs the same seeds on both sides (${a.length} vs ${b.length})`);
  return expInterval(a.map((value, i) => Math.log(value / (b[i] as number))));
}

/**
 * Geometric mean over scenarios of a / b, paired by seed: for each seed the mean over scenarios
 * of log(a / b), then the t interval over seeds. `perScenario` holds, for each scenario, the
 * values of a and b per seed, seeds in the same order everywhere.
 */
export function geomeanRatio(perScenario: readonly { readonly a: readonly number[]; readonly b: readonly number[] }[]): RatioInterval {
  const seeds = perScenario[0]?.a.length ?? 0;
  for (const s of perScenario) {
    if (s.a.length !== seeds || s.b.length !== seeds) throw new Error('geomean ratio needs the same seeds in every scenario');
  }
  const perSeed = Array.from({ length: seeds }, (_, i) =>
    perScenario.reduce((sum, s) => sum + Math.log((s.a[i] as number) / (s.b[i] as number)), 0) / perScenario.length,
  );
  return expInterval(perSeed);
}

/** Geometric mean of positive values with a t interval (e.g. one strategy's p99 over seeds). */
export function geomeanInterval(values: readonly number[]): RatioInterval {
  return expInterval(values.map(Math.log));
}

export const formatInterval = (r: RatioInterval, digits = 2): string =>
  `${r.ratio.toFixed(digits)} [${Number.isFinite(r.lo) ? r.lo.toFixed(digits) : '?'},${Number.isFinite(r.hi) ? r.hi.toFixed(digits) : '?'}]`;
