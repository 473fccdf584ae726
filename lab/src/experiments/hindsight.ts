// The hindsight reference for a weights controller: knowing the whole run (the simulator is
// deterministic for a seed), search the schedule of weights, one per control interval, with the
// lowest p99. Every schedule is scored by a full simulation; the search only proposes them:
//
// 1. constant schedules over a grid of weights (the 50/50 one is exactly the static run);
// 2. warm starts: schedules other strategies produced, replayed;
// 3. a composed schedule: per interval, each option (a weight and the latencies its run
//    produced in that interval) is a histogram, and intervals are treated as independent (the
//    surrogate). The p99 of a composition is at most T when the requests above T, summed over
//    intervals, are at most 1%; that sum separates by interval, so for each threshold T the best
//    option per interval is exact for the surrogate. Every threshold is tried and the composition
//    with the lowest surrogate p99 is simulated;
// 4. refinement: the intervals of that real run become more options (with the queues the
//    schedule really left behind), and the composition is solved and simulated again.
//
// The answer is the best schedule simulated: a schedule that exists, so its p99 is reachable by
// a weights controller that knew the future and acted at once. It is not a proven optimum (the
// surrogate ignores how one interval's queues spill into the next, and the grid is coarse).
import { weightsEqual, type Weights } from '../core/weights.ts';
import { simulate } from '../simulator/engine.ts';
import { LatencyHistogram } from '../simulator/latency-histogram.ts';
import type { ControlSettings, Routing, SimulationModel, SimulationResult } from '../simulator/model.ts';

export interface HindsightSettings {
  /** Weights (percent of the first subset) each interval may take in the constant schedules. */
  readonly grid: readonly number[];
  /** Simulations spent refining the composed schedule after the first one. */
  readonly refinements: number;
}

export interface WarmStart {
  readonly name: string;
  /** The first subset's percent in each interval. */
  readonly schedule: readonly number[];
}

export interface HindsightOutcome {
  readonly result: SimulationResult;
  /** The first subset's percent in each interval of the best schedule found. */
  readonly schedule: readonly number[];
  /** Where the best schedule came from: 'constant 50', 'warm start <name>', 'composed', 'refined <n>'. */
  readonly source: string;
  /** Full simulations run by the search. */
  readonly simulations: number;
}

/** The weights of a two-subset route given the first subset's percent. */
export function weightsOf(subsets: readonly string[], firstPercent: number): Weights {
  const [first, second] = subsets;
  if (first === undefined || second === undefined || subsets.length !== 2) throw new Error('the hindsight search covers routes of two subsets');
  return { [first]: firstPercent, [second]: 100 - firstPercent };
}

/** Control timing for a schedule: the same intervals, the weights reaching every proxy at once. */
export function immediateActuation(control: ControlSettings): ControlSettings {
  return { ...control, actuationDelaySeconds: 0, actuationJitterSeconds: 0 };
}

/** A routing that applies a fixed schedule: interval k's weights from k x interval seconds. */
export function scheduleRouting(subsets: readonly string[], schedule: readonly number[], intervalSeconds: number): Routing {
  const at = (k: number): Weights => weightsOf(subsets, schedule[Math.min(schedule.length - 1, Math.max(0, k))] as number);
  return {
    kind: 'subset-weights',
    initialWeights: at(0),
    onControl: (view) => {
      const weights = at(Math.round(view.nowSeconds / intervalSeconds));
      return { weights, action: weightsEqual(weights, view.current, subsets) ? 'hold' : 'change' };
    },
  };
}

export function intervalCount(model: SimulationModel, control: ControlSettings): number {
  return Math.ceil(model.durationSeconds / control.intervalSeconds);
}

/** The first subset's share in each interval of a run's per-second weights (mean over the interval, rounded). */
export function scheduleFromWeights(perSecond: readonly number[], intervalSeconds: number, intervals: number): number[] {
  return Array.from({ length: intervals }, (_, k) => {
    const part = perSecond.slice(k * intervalSeconds, (k + 1) * intervalSeconds);
    if (part.length === 0) return perSecond.length > 0 ? Math.round(perSecond[perSecond.length - 1] as number) : 50;
    return Math.round(part.reduce((s, x) => s + x, 0) / part.length);
  });
}

interface Option {
  readonly weight: number;
  readonly histogram: LatencyHistogram;
  /** Requests above each bin (strictly). */
  readonly above: Float64Array;
  /** Tie-break: the sum of `above` (lower means lower latencies overall). */
  readonly area: number;
}

/** One candidate weight of an interval, with its latencies summarised for `composeSchedule`. */
export function option(weight: number, histogram: LatencyHistogram): Option {
  const bins = histogram.counts.length;
  const above = new Float64Array(bins);
  let running = 0;
  let area = 0;
  for (let b = bins - 1; b >= 0; b--) {
    above[b] = running;
    area += running;
    running += histogram.counts[b] as number;
  }
  return { weight, histogram, above, area };
}

/** Per interval, the latencies of the requests finishing in it (the run's 10 s slices merged). */
function intervalHistograms(result: SimulationResult, intervalSeconds: number, intervals: number): LatencyHistogram[] {
  const out = Array.from({ length: intervals }, () => new LatencyHistogram(3));
  result.slices.forEach((slice, i) => {
    const k = Math.min(intervals - 1, Math.floor(slice.startSeconds / intervalSeconds));
    (out[k] as LatencyHistogram).merge(result.sliceHistograms[i] as LatencyHistogram);
  });
  return out;
}

/**
 * The composition (one option per interval) with the lowest surrogate p99: for each threshold
 * bin, the option with the fewest requests above it in every interval; intervals without scored
 * requests (the warm-up) take the choice of the first scored one.
 */
export function composeSchedule(options: readonly (readonly Option[])[]): { schedule: number[]; p99: number } {
  const bins = options[0]?.[0]?.histogram.counts.length ?? 0;
  let best: { schedule: number[]; p99: number; area: number } = { schedule: [], p99: Infinity, area: Infinity };
  for (let b = 0; b < bins; b++) {
    const chosen = options.map((list) => {
      let pick = 0;
      for (let i = 1; i < list.length; i++) {
        const o = list[i] as Option;
        const p = list[pick] as Option;
        if ((o.above[b] as number) < (p.above[b] as number) || ((o.above[b] as number) === (p.above[b] as number) && o.area < p.area)) pick = i;
      }
      return list[pick] as Option;
    });
    const merged = new LatencyHistogram(3);
    let area = 0;
    for (const o of chosen) {
      merged.merge(o.histogram);
      area += o.area;
    }
    const p99 = merged.quantile(0.99);
    if (p99 < best.p99 || (p99 === best.p99 && area < best.area)) {
      const firstScored = chosen.findIndex((o) => o.histogram.total > 0);
      const schedule = chosen.map((o) => (o.histogram.total > 0 || firstScored < 0 ? o.weight : (chosen[firstScored] as Option).weight));
      best = { schedule, p99, area };
    }
  }
  return { schedule: best.schedule, p99: best.p99 };
}

export function hindsightSearch(
  model: SimulationModel,
  control: ControlSettings,
  seed: number,
  subsets: readonly string[],
  settings: HindsightSettings,
  warmStarts: readonly WarmStart[] = [],
): HindsightOutcome {
  const timing = immediateActuation(control);
  const intervals = intervalCount(model, control);
  const options: Option[][] = Array.from({ length: intervals }, () => []);
  const tried = new Set<string>();
  let best: { result: SimulationResult; schedule: number[]; source: string } | undefined;
  let simulations = 0;

  const run = (schedule: readonly number[], source: string): boolean => {
    const full = Array.from({ length: intervals }, (_, k) => schedule[Math.min(k, schedule.length - 1)] as number);
    const key = full.join(',');
    if (tried.has(key)) return false;
    tried.add(key);
    const result = simulate(model, timing, scheduleRouting(subsets, full, control.intervalSeconds), seed);
    simulations++;
    intervalHistograms(result, control.intervalSeconds, intervals).forEach((h, k) => (options[k] as Option[]).push(option(full[k] as number, h)));
    const better =
      !best ||
      result.latencyMs.p99 < best.result.latencyMs.p99 ||
      (result.latencyMs.p99 === best.result.latencyMs.p99 && result.latencyMs.mean < best.result.latencyMs.mean);
    if (better) best = { result, schedule: full, source };
    return true;
  };

  for (const weight of settings.grid) run([weight], `constant ${weight}`);
  for (const warm of warmStarts) run(warm.schedule, `warm start ${warm.name}`);
  run(composeSchedule(options).schedule, 'composed');
  for (let round = 1; round <= settings.refinements; round++) {
    if (!run(composeSchedule(options).schedule, `refined ${round}`)) break;
  }
  if (!best) throw new Error('hindsight search: an empty grid and no warm start');
  const found = best as { result: SimulationResult; schedule: number[]; source: string };
  return { result: found.result, schedule: found.schedule, source: found.source, simulations };
}
