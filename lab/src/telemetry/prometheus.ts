// The controller's observer: Istio's metrics from Prometheus, per subset (destination_version),
// over the last window. It only observes. Missing or stale data is said explicitly (status
// no-data / stale, with the reason), never filled in.
import {
  missingObservation,
  observationFromTotals,
  type HistogramBucket,
  type SubsetObservation,
} from '../core/observations.ts';
import { PrometheusClient, type VectorSample } from './prometheus-client.ts';
import { istioQueries, type IstioQueries, type IstioSelector } from './promql.ts';

export interface IstioTelemetryOptions {
  readonly prometheusUrl: string;
  readonly selector: IstioSelector;
  readonly subsets: readonly string[];
  readonly windowSeconds: number;
  readonly staleAfterSeconds: number;
  readonly timeoutMs?: number;
}

export interface TelemetryReading {
  readonly observations: readonly SubsetObservation[];
  /** Set when Prometheus could not be queried (every observation is then no-data). */
  readonly error?: string;
}

export class IstioPrometheusTelemetry {
  private readonly client: PrometheusClient;
  private readonly queries: IstioQueries;

  constructor(private readonly options: IstioTelemetryOptions) {
    this.client = new PrometheusClient(options.prometheusUrl, options.timeoutMs);
    this.queries = istioQueries(options.selector, options.windowSeconds);
  }

  async observe(nowSeconds: number): Promise<TelemetryReading> {
    const { subsets, windowSeconds } = this.options;
    let results: VectorSample[][];
    try {
      const q = this.queries;
      results = await Promise.all(
        [q.requests, q.errors, q.latencySum, q.latencyCount, q.buckets, q.newestSample, q.pods].map((query) =>
          this.client.queryVector(query, nowSeconds),
        ),
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return { observations: subsets.map((s) => missingObservation(s, 'no-data', message, windowSeconds)), error: message };
    }
    const [requests, errors, latencySum, latencyCount, buckets, newest, pods] = results as [
      VectorSample[], VectorSample[], VectorSample[], VectorSample[], VectorSample[], VectorSample[], VectorSample[],
    ];
    return { observations: subsets.map((subset) => this.observeSubset(subset, nowSeconds, { requests, errors, latencySum, latencyCount, buckets, newest, pods })) };
  }

  private observeSubset(
    subset: string,
    nowSeconds: number,
    r: Record<'requests' | 'errors' | 'latencySum' | 'latencyCount' | 'buckets' | 'newest' | 'pods', VectorSample[]>,
  ): SubsetObservation {
    const { windowSeconds, staleAfterSeconds, selector } = this.options;
    const of = (samples: VectorSample[]): number | undefined => samples.find((s) => s.labels.destination_version === subset)?.value;
    const newest = of(r.newest);
    const where = `destination_version="${subset}" in namespace ${selector.namespace}`;
    if (newest === undefined) {
      return missingObservation(subset, 'no-data', `no istio_requests_total series for ${where}`, windowSeconds);
    }
    if (nowSeconds - newest > staleAfterSeconds) {
      return missingObservation(subset, 'stale', `newest istio_requests_total sample for ${where} is ${Math.round(nowSeconds - newest)}s old`, windowSeconds, newest);
    }
    const requests = of(r.requests) ?? 0;
    const count = of(r.latencyCount) ?? 0;
    const sum = of(r.latencySum) ?? NaN;
    return observationFromTotals(subset, windowSeconds, newest, {
      requests,
      errors: of(r.errors) ?? 0,
      // Mean latency from the histogram's own sum and count (the same requests).
      latencySumMs: count > 0 ? (sum / count) * requests : NaN,
      buckets: bucketsOf(r.buckets, subset),
      pods: of(r.pods) ?? NaN,
    });
  }
}

function bucketsOf(samples: readonly VectorSample[], subset: string): HistogramBucket[] {
  return samples
    .filter((s) => s.labels.destination_version === subset && s.labels.le !== undefined)
    .map((s) => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
}
