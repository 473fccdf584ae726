// The mesh as Istio ships it, in real seconds: the one configuration the controller's defaults
// and the simulator's scenarios both read, so the simulator sees telemetry exactly as stale and
// as windowed as the controller does.

export const MESH_TELEMETRY = {
  /** Istio's Prometheus addon (samples/addons/prometheus.yaml): scrape_interval 15s. */
  scrapeIntervalSeconds: 15,
  /** The controller's decision cadence (INTERVAL_SECONDS). */
  intervalSeconds: 30,
  /** The `[window]` of its increase() queries (WINDOW_SECONDS = max(60, 2 x interval)). */
  windowSeconds: 60,
  /** Time for a patched VirtualService to reach every sidecar: istiod's debounce and push. */
  actuationDelaySeconds: 1,
  /** Sidecars receive the push at different times, spread uniformly over this many seconds. */
  actuationJitterSeconds: 2,
} as const;

/** Envoy's retry policy as Istio configures every route when the VirtualService sets none. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly attempts: number;
  /** Envoy's fully jittered exponential back-off: the n-th retry waits U(0, (2^n - 1) x base), capped. */
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
  /** previous_hosts predicate: a retry re-picks while it lands on the previous attempt's host, at most this many times. */
  readonly hostSelectionAttempts: number;
}

/** retryOn connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes (503). */
export const ISTIO_DEFAULT_RETRIES: RetryPolicy = { attempts: 2, baseIntervalMs: 25, maxIntervalMs: 250, hostSelectionAttempts: 5 };
export const NO_RETRIES: RetryPolicy = { attempts: 0, baseIntervalMs: 25, maxIntervalMs: 250, hostSelectionAttempts: 1 };

/** A DestinationRule's trafficPolicy.outlierDetection, applied by every sidecar on its own. */
export interface OutlierDetection {
  readonly consecutive5xxErrors: number;
  readonly intervalSeconds: number;
  readonly baseEjectionSeconds: number;
  readonly maxEjectionPercent: number;
}

/** Envoy's defaults for the fields a DestinationRule leaves out. */
export const ENVOY_OUTLIER_DEFAULTS: OutlierDetection = { consecutive5xxErrors: 5, intervalSeconds: 10, baseEjectionSeconds: 30, maxEjectionPercent: 10 };
