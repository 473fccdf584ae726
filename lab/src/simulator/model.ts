// What a simulation is made of: subsets of pods, arrivals, how service times and errors evolve,
// the control loop's timing, and how requests are routed.
import type { OutlierDetection, RetryPolicy } from '../core/mesh.ts';
import type { SubsetObservation } from '../core/observations.ts';
import type { Weights } from '../core/weights.ts';
import type { LatencyHistogram } from './latency-histogram.ts';
import type { ProbePoolSettings } from './probe-pool.ts';

export interface SubsetModel {
  readonly name: string;
  readonly pods: number;
  /** Requests one pod serves at once; more wait in its queue. */
  readonly concurrency: number;
  /** Waiting requests per pod beyond which it answers 503 at once (an overflow). */
  readonly queueLimit: number;
  /** Per-pod multiplier of the subset's service time (heterogeneous pods); 1 each by default. */
  readonly podSpeedFactors?: readonly number[];
  /** This subset's service-time distribution (the model's by default). */
  readonly serviceTime?: ServiceTimeShape;
}

/** A subset's true state at a moment. */
export interface SubsetConditions {
  readonly meanServiceMs: number;
  /** Probability that a request is answered at once with a 503 (a fast failure). */
  readonly errorProbability: number;
  /** Probability that a request is served (holding its slot for its service time) and then fails with a 503. */
  readonly slowErrorProbability?: number;
  /** Pods running (the first ones of the subset; at most `pods`); all by default. */
  readonly activePods?: number;
  /** Per-pod multipliers of the mean service time at this moment (a pod on a bad node). */
  readonly podFactors?: readonly number[];
}

export type ArrivalModel =
  | { readonly kind: 'poisson'; readonly ratePerSecond: number }
  | {
      /** Poisson with a rate that changes at set times (a surge, a ramp); the first segment starts at 0. */
      readonly kind: 'schedule';
      readonly segments: readonly { readonly fromSeconds: number; readonly ratePerSecond: number }[];
    }
  | {
      /** Markov-modulated Poisson: calm and burst phases of exponential length. */
      readonly kind: 'bursty';
      readonly calmRatePerSecond: number;
      readonly burstRatePerSecond: number;
      readonly meanCalmSeconds: number;
      readonly meanBurstSeconds: number;
    };

/** Service-time distributions, each scaled to the subset's mean service time. */
export type ServiceTimeShape =
  | { readonly kind: 'exponential' }
  | { readonly kind: 'lognormal'; readonly sigma: number }
  /** Heavy tail; shape alpha > 1 (alpha <= 2: infinite variance). */
  | { readonly kind: 'pareto'; readonly alpha: number }
  /** A fast mode and, with probability `slowProbability`, a mode `slowFactor` times slower (both exponential). */
  | { readonly kind: 'bimodal'; readonly slowProbability: number; readonly slowFactor: number };

export interface SimulationModel {
  readonly durationSeconds: number;
  /** Requests arriving before this are not counted in the scores. */
  readonly warmupSeconds: number;
  readonly subsets: readonly SubsetModel[];
  readonly arrivals: ArrivalModel;
  readonly serviceTime: ServiceTimeShape;
  /** Independent client-side proxies (Envoy sidecars), each balancing on what it sees alone. */
  readonly clientProxies: number;
  /** Latency of a fast failure (503). */
  readonly errorLatencyMs: number;
  /** The route's timeout (VirtualService `timeout`); none by default, as in Istio. */
  readonly timeoutMs?: number;
  /** Envoy's retry policy on the route (Istio's default when left out). */
  readonly retries?: RetryPolicy;
  /** The DestinationRule's outlier detection; none when left out. */
  readonly outlierDetection?: OutlierDetection;
  /** Time for a pod that started or stopped to enter or leave the sidecars' endpoints (EDS push). */
  readonly endpointDelaySeconds?: number;
  /** Periods during which Prometheus's scrapes fail (no samples: the controller's data grows stale). */
  readonly scrapeOutages?: readonly { readonly fromSeconds: number; readonly toSeconds: number }[];
  /** True conditions of a subset; asked once per subset per simulated second, in order. */
  conditions(subset: string, seconds: number): SubsetConditions;
}

export interface ControlSettings {
  /** Prometheus's scrape interval: the counters are sampled this often (real seconds). */
  readonly scrapeIntervalSeconds: number;
  readonly intervalSeconds: number;
  /** Metric window of each decision (the `[window]` of the increase() queries). */
  readonly windowSeconds: number;
  /** Time for a new VirtualService to reach the first proxies. */
  readonly actuationDelaySeconds: number;
  /** The last proxy gets it this much later (uniform spread). */
  readonly actuationJitterSeconds: number;
}

export interface TrueSubsetState {
  readonly name: string;
  readonly concurrency: number;
  readonly podMeanServiceMs: readonly number[];
  readonly errorProbability: number;
  readonly queueLimit: number;
}

/** What a decision sees: observations like Prometheus's, and (for the oracle only) the truth. */
export interface ControlView {
  readonly nowSeconds: number;
  readonly observations: readonly SubsetObservation[];
  readonly current: Weights;
  readonly truth: {
    /** Long-run mean arrival rate of the model (bursts included). */
    readonly arrivalRatePerSecond: number;
    readonly subsets: readonly TrueSubsetState[];
  };
}

export interface ControlOutcome {
  readonly weights: Weights;
  /** What the decision was (hold, change, rollback, ...), counted in the result. */
  readonly action: string;
}

export type Routing =
  | {
      /** Weighted choice of subset (as Envoy does for a route), then least-request among its pods. */
      readonly kind: 'subset-weights';
      readonly initialWeights: Weights;
      /** Called every control interval; returns the weights to apply. */
      readonly onControl?: (view: ControlView) => ControlOutcome;
    }
  /** Envoy LEAST_REQUEST across every pod, no subset weights: two picks with replacement, the one with fewer active requests. */
  | { readonly kind: 'least-request' }
  /** Envoy ROUND_ROBIN across every pod, no subset weights (each proxy its own rotation). */
  | { readonly kind: 'round-robin' }
  /**
   * Not a balancer: a central dispatcher that knows each request's service time on every pod
   * and every pod's schedule, and sends it where it finishes first (a clairvoyant reference).
   */
  | { readonly kind: 'clairvoyant' }
  /**
   * Per-request weighted round robin across every pod with weights each proxy computes from
   * its endpoints' load reports (Envoy's client_side_weighted_round_robin fed by ORCA).
   */
  | { readonly kind: 'orca-wrr'; readonly errorUtilisationPenalty: number; readonly blackoutSeconds: number; readonly weightUpdateSeconds: number }
  /**
   * Prequal-style probing across every pod, per proxy: probes to random pods return their
   * requests in flight and latency estimate into a pool; hot-cold lexicographic selection.
   */
  | (PrequalSettings & { readonly kind: 'prequal' });

export interface PrequalSettings extends ProbePoolSettings {
  /** Probes sent per request (fractions accumulate), each to a pod drawn uniformly. */
  readonly probesPerRequest: number;
  /** Weight of the newest completion in a pod's latency estimate (an exponential moving average). */
  readonly latencyEwma: number;
}

export interface SliceStats {
  readonly startSeconds: number;
  readonly requests: number;
  readonly errorRate: number;
  readonly p50: number;
  readonly p99: number;
  /** Fraction of the slice's requests that each subset received. */
  readonly shares: Readonly<Record<string, number>>;
}

export interface SimulationResult {
  readonly requests: number;
  readonly errors: number;
  readonly errorRate: number;
  readonly latencyMs: { readonly mean: number; readonly p50: number; readonly p95: number; readonly p99: number };
  /** Weights in effect at the start of each simulated second (empty for least-request). */
  readonly weightsPerSecond: Readonly<Record<string, readonly number[]>>;
  readonly slices: readonly SliceStats[];
  /** Latency histogram of each slice (coarse bins), in the order of `slices`. */
  readonly sliceHistograms: readonly LatencyHistogram[];
  readonly decisions: Readonly<Record<string, number>>;
  /** Every request simulated, warm-up included (for speed measurements). */
  readonly simulatedRequests: number;
  /** Attempts beyond the first (Envoy retries), warm-up included. */
  readonly retries: number;
  /** Outlier ejections over all proxies, warm-up included. */
  readonly ejections: number;
  /** Probes sent by a probing balancer, warm-up included (0 otherwise). */
  readonly probes: number;
}
