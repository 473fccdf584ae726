// PromQL over Istio's standard metrics, in the manner of Flagger's Istio observer: requests,
// 5xx, latency sum and histogram buckets per destination_version, as increases over the window,
// and the newest sample's timestamp (staleness).

export interface IstioSelector {
  /** destination_workload_namespace */
  readonly namespace: string;
  /** Regular expression over destination_workload (e.g. `product-service-.*`). */
  readonly workloadRegex: string;
}

export interface IstioQueries {
  readonly requests: string;
  readonly errors: string;
  readonly latencySum: string;
  readonly latencyCount: string;
  readonly buckets: string;
  readonly newestSample: string;
  /** Pods whose sidecar exports the series now (Prometheus adds `pod` from the scrape target; a stopped pod's series go stale at once). */
  readonly pods: string;
}

/** A PromQL double-quoted string literal. */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function istioQueries(selector: IstioSelector, windowSeconds: number): IstioQueries {
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1) throw new Error(`window must be a whole number of seconds (got ${windowSeconds})`);
  const labels = [
    'reporter="destination"',
    `destination_workload_namespace=${promString(selector.namespace)}`,
    `destination_workload=~${promString(selector.workloadRegex)}`,
  ].join(',');
  const window = `[${windowSeconds}s]`;
  const increaseBy = (metric: string, by: string, extra = ''): string =>
    `sum by (${by}) (increase(${metric}{${labels}${extra}}${window}))`;
  return {
    requests: increaseBy('istio_requests_total', 'destination_version'),
    errors: increaseBy('istio_requests_total', 'destination_version', ',response_code=~"5.."'),
    latencySum: increaseBy('istio_request_duration_milliseconds_sum', 'destination_version'),
    latencyCount: increaseBy('istio_request_duration_milliseconds_count', 'destination_version'),
    buckets: increaseBy('istio_request_duration_milliseconds_bucket', 'destination_version, le'),
    newestSample: `max by (destination_version) (timestamp(istio_requests_total{${labels}}))`,
    pods: `count by (destination_version) (group by (destination_version, pod) (istio_requests_total{${labels}}))`,
  };
}
