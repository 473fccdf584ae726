// The simulator's stand-in for Istio's metrics and Prometheus: cumulative counters per subset
// (requests, 5xx, latency sum, istio_request_duration_milliseconds buckets), scraped every
// simulated second, and rate-like observations over a window, in the controller's format.
import {
  ISTIO_DURATION_BUCKETS_MS,
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

  constructor(
    private readonly subsets: readonly string[],
    private readonly maxWindowSeconds: number,
  ) {
    this.counters = new Float64Array(subsets.length * WIDTH);
    this.snapshots = Array.from({ length: maxWindowSeconds + 1 }, () => new Float64Array(this.counters.length));
    this.scrapedAt = this.snapshots.map(() => -1);
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

  /** Takes the counters' values at a whole simulated second. */
  scrape(second: number): void {
    const slot = second % this.snapshots.length;
    (this.snapshots[slot] as Float64Array).set(this.counters);
    this.scrapedAt[slot] = second;
  }

  /** Increases over the last `windowSeconds` (scraped at `second`), as observations. */
  observe(windowSeconds: number, second: number): SubsetObservation[] {
    const window = Math.min(windowSeconds, this.maxWindowSeconds, second);
    const latest = this.snapshotAt(second);
    const earliest = this.snapshotAt(second - window);
    return this.subsets.map((subset, index) => {
      const base = index * WIDTH;
      const delta = (offset: number): number => (latest?.[base + offset] ?? 0) - (earliest?.[base + offset] ?? 0);
      const buckets: HistogramBucket[] = [];
      let cumulative = 0;
      for (let bucket = 0; bucket <= BOUNDS.length; bucket++) {
        cumulative += delta(FIRST_BUCKET + bucket);
        buckets.push({ le: bucket < BOUNDS.length ? (BOUNDS[bucket] as number) : Infinity, count: cumulative });
      }
      return observationFromTotals(subset, Math.max(window, 1), second, {
        requests: delta(REQUESTS),
        errors: delta(ERRORS),
        latencySumMs: delta(SUM),
        buckets,
      });
    });
  }

  private snapshotAt(second: number): Float64Array | undefined {
    if (second <= 0) return undefined;
    const slot = second % this.snapshots.length;
    return this.scrapedAt[slot] === second ? this.snapshots[slot] : undefined;
  }
}
