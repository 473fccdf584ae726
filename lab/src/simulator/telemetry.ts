// The simulator's stand-in for Istio's metrics and Prometheus: cumulative counters per subset
// (requests, 5xx, latency sum, istio_request_duration_milliseconds buckets) as the destination
// sidecars export them, sampled every scrape interval (at a phase of its own, skipping failed
// scrapes), and increase() over a window evaluated as Prometheus does: from the samples inside
// the window, extrapolated toward its edges. The controller sees exactly this staleness.
import {
  ISTIO_DURATION_BUCKETS_MS,
  missingObservation,
  observationFromTotals,
  type HistogramBucket,
  type SubsetObservation,
} from '../core/observations.ts';

const REQUESTS = 0;
const ERRORS = 1;
const SUM = 2;
const FIRST_BUCKET = 3;
const BOUNDS = ISTIO_DURATION_BUCKETS_MS;
/** Counters per subset: requests, errors, sum, one per finite bucket, one for +Inf. */
const WIDTH = FIRST_BUCKET + BOUNDS.length + 1;

export class SimulatedTelemetry {
  private readonly counters: Float64Array;
  private readonly snapshots: Float64Array[];
  private readonly scrapedAt: number[];
  private readonly podsAt: number[][];
  private next = 0;

  constructor(
    private readonly subsets: readonly string[],
    maxWindowSeconds: number,
    private readonly scrapeIntervalSeconds = 1,
    private readonly scrapePhaseSeconds = 0,
  ) {
    this.counters = new Float64Array(subsets.length * WIDTH);
    const slots = Math.ceil(maxWindowSeconds / scrapeIntervalSeconds) + 2;
    this.snapshots = Array.from({ length: slots }, () => new Float64Array(this.counters.length));
    this.scrapedAt = this.snapshots.map(() => -Infinity);
    this.podsAt = this.snapshots.map(() => subsets.map(() => NaN));
  }

  record(subset: number, latencyMs: number, isError: boolean): void {
    const base = subset * WIDTH;
    const counters = this.counters;
    counters[base + REQUESTS]! += 1;
    if (isError) counters[base + ERRORS]! += 1;
    counters[base + SUM]! += latencyMs;
    let bucket = 0;
    while (bucket < BOUNDS.length && latencyMs > (BOUNDS[bucket] as number)) bucket++;
    counters[base + FIRST_BUCKET + bucket]! += 1;
  }

  /** Called every whole second: takes a sample when a scrape falls due and does not fail. */
  scrape(second: number, outages: readonly { readonly fromSeconds: number; readonly toSeconds: number }[] = [], pods?: readonly number[]): void {
    if ((second - this.scrapePhaseSeconds) % this.scrapeIntervalSeconds !== 0) return;
    if (outages.some((o) => second >= o.fromSeconds && second < o.toSeconds)) return;
    const slot = this.next;
    this.next = (this.next + 1) % this.snapshots.length;
    (this.snapshots[slot] as Float64Array).set(this.counters);
    this.scrapedAt[slot] = second;
    this.podsAt[slot] = this.subsets.map((_, i) => pods?.[i] ?? NaN);
  }

  /** increase() of every counter over (second - window, second], as observations. */
  observe(windowSeconds: number, second: number): SubsetObservation[] {
    const inside = this.scrapedAt
      .map((at, slot) => ({ at, slot }))
      .filter(({ at }) => at > second - windowSeconds && at <= second)
      .sort((a, b) => a.at - b.at);
    const newest = Math.max(...this.scrapedAt.filter((at) => at <= second));
    const first = inside[0];
    const last = inside[inside.length - 1];
    if (!first || !last || inside.length < 2) {
      const sampledAt = Number.isFinite(newest) ? newest : NaN;
      return this.subsets.map((subset) =>
        missingObservation(subset, 'no-data', `fewer than 2 samples of ${subset} in the last ${windowSeconds}s`, windowSeconds, sampledAt),
      );
    }
    const factor = extrapolationFactor(first.at, last.at, inside.length, second - windowSeconds, second);
    const earliest = this.snapshots[first.slot] as Float64Array;
    const latest = this.snapshots[last.slot] as Float64Array;
    return this.subsets.map((subset, index) => {
      const base = index * WIDTH;
      const delta = (offset: number): number => ((latest[base + offset] as number) - (earliest[base + offset] as number)) * factor;
      const buckets: HistogramBucket[] = [];
      let cumulative = 0;
      for (let bucket = 0; bucket <= BOUNDS.length; bucket++) {
        cumulative += delta(FIRST_BUCKET + bucket);
        buckets.push({ le: bucket < BOUNDS.length ? (BOUNDS[bucket] as number) : Infinity, count: cumulative });
      }
      return observationFromTotals(subset, windowSeconds, last.at, {
        requests: delta(REQUESTS),
        errors: delta(ERRORS),
        latencySumMs: delta(SUM),
        buckets,
        pods: this.podsAt[last.slot]?.[index] ?? NaN,
      });
    });
  }
}

/**
 * Prometheus's extrapolatedRate: the sampled interval is extended to each edge of the range
 * when the gap is under 1.1 average sample intervals, and by half an interval otherwise.
 */
export function extrapolationFactor(firstAt: number, lastAt: number, samples: number, rangeStart: number, rangeEnd: number): number {
  const sampled = lastAt - firstAt;
  if (!(sampled > 0)) return 1;
  const average = sampled / (samples - 1);
  const threshold = average * 1.1;
  const toStart = firstAt - rangeStart;
  const toEnd = rangeEnd - lastAt;
  const extended = sampled + (toStart < threshold ? toStart : average / 2) + (toEnd < threshold ? toEnd : average / 2);
  return extended / sampled;
}
