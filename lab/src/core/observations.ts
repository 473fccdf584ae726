// What the controller knows about one subset over the last window: the same shape whether it
// comes from Prometheus (Istio's metrics) or from the simulator's scrapes.

/** Istio's default buckets for istio_request_duration_milliseconds. */
export const ISTIO_DURATION_BUCKETS_MS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

/** A cumulative histogram bucket: `count` requests took at most `le` ms (le = Infinity last). */
export interface HistogramBucket {
  readonly le: number;
  readonly count: number;
}

export type ObservationStatus = 'ok' | 'no-data' | 'stale';

export interface LatencyPercentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export interface SubsetObservation {
  readonly subset: string;
  readonly status: ObservationStatus;
  /** Why the status is not ok; empty when it is. */
  readonly detail: string;
  readonly windowSeconds: number;
  /** Time (seconds) of the newest sample behind this observation; NaN when there is none. */
  readonly sampledAt: number;
  /** Requests per second over the window. */
  readonly requestRate: number;
  /** Fraction (0..1) of requests answered with a 5xx. */
  readonly errorRate: number;
  readonly meanLatencyMs: number;
  readonly latencyMs: LatencyPercentiles;
  readonly buckets: readonly HistogramBucket[];
  /** Pods of the subset exporting metrics at the newest scrape; NaN when unknown. */
  readonly pods: number;
}

/** Totals over a window, as increases of Istio's counters. */
export interface WindowTotals {
  readonly requests: number;
  readonly errors: number;
  readonly latencySumMs: number;
  readonly buckets: readonly HistogramBucket[];
  readonly pods?: number;
}

const NO_PERCENTILES: LatencyPercentiles = { p50: NaN, p95: NaN, p99: NaN };

/**
 * Quantile of a cumulative histogram, with Prometheus's histogram_quantile interpolation
 * (linear inside a bucket; the +Inf bucket answers the highest finite bound).
 */
export function histogramQuantile(q: number, buckets: readonly HistogramBucket[]): number {
  if (buckets.length < 2 || Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const last = buckets[buckets.length - 1];
  if (!last || last.le !== Infinity) return NaN;
  const total = last.count;
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let index = buckets.findIndex((bucket) => bucket.count >= rank);
  if (index < 0) index = buckets.length - 1;
  if (index === buckets.length - 1) return buckets[buckets.length - 2]?.le ?? NaN;
  const bucket = buckets[index] as HistogramBucket;
  const previous = index > 0 ? buckets[index - 1] : undefined;
  if (!previous && bucket.le <= 0) return bucket.le;
  const start = previous?.le ?? 0;
  const countBefore = previous?.count ?? 0;
  const inBucket = bucket.count - countBefore;
  if (inBucket <= 0) return bucket.le;
  return start + (bucket.le - start) * ((rank - countBefore) / inBucket);
}

export function observationFromTotals(
  subset: string,
  windowSeconds: number,
  sampledAt: number,
  totals: WindowTotals,
): SubsetObservation {
  if (!(totals.requests > 0)) {
    return missingObservation(subset, 'no-data', `no requests to ${subset} in the last ${windowSeconds}s`, windowSeconds, sampledAt);
  }
  return {
    subset,
    status: 'ok',
    detail: '',
    windowSeconds,
    sampledAt,
    requestRate: totals.requests / windowSeconds,
    errorRate: Math.min(1, Math.max(0, totals.errors / totals.requests)),
    meanLatencyMs: totals.latencySumMs / totals.requests,
    latencyMs: {
      p50: histogramQuantile(0.5, totals.buckets),
      p95: histogramQuantile(0.95, totals.buckets),
      p99: histogramQuantile(0.99, totals.buckets),
    },
    buckets: totals.buckets,
    pods: totals.pods ?? NaN,
  };
}

export function missingObservation(
  subset: string,
  status: Exclude<ObservationStatus, 'ok'>,
  detail: string,
  windowSeconds: number,
  sampledAt = NaN,
): SubsetObservation {
  return {
    subset,
    status,
    detail,
    windowSeconds,
    sampledAt,
    requestRate: 0,
    errorRate: 0,
    meanLatencyMs: NaN,
    latencyMs: NO_PERCENTILES,
    buckets: [],
    pods: NaN,
  };
}
