// From 300 s, 15% of v2's requests fail slowly: the pod works for 3x the usual time (a
// downstream call timing out) and then answers 503, holding its slot all along. The route has a
// 1 s timeout and the DestinationRule outlier detection (5 consecutive 5xx, 10 s sweeps, 30 s
// base ejection, at most 50% of a subset's pods), applied by each sidecar on its own.
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, WARMUP_SECONDS, type Scenario } from './scenario.ts';

const FAILING_FROM = 300;

export const slowErrors: Scenario = {
  name: 'slow-errors',
  set: 'held-out',
  title: 'Slow errors that hold a slot, with a timeout and outlier detection',
  description: `v1 ~20 ms, v2 ~12 ms (drifting), Poisson 400 req/s for 1200 s; from ${FAILING_FROM} s v2 fails 15% of requests after 3x its service time; route timeout 1 s; outlier detection 5 x 5xx / 10 s / 30 s / 50%.`,
  control: DEFAULT_CONTROL,
  changes: [{ atSeconds: FAILING_FROM, subset: 'v2', direction: 'away', label: 'v2 slow errors 15%' }],
  tags: ['persistent-heterogeneity'],
  build: (seed) => {
    const random = new Random(seed ^ 0x51e4);
    const v1 = driftingServiceTime(random.fork());
    const v2 = driftingServiceTime(random.fork());
    const failing = (s: number): boolean => s >= FAILING_FROM;
    return {
      durationSeconds: 1200,
      warmupSeconds: WARMUP_SECONDS,
      subsets: productSubsets(),
      arrivals: { kind: 'poisson', ratePerSecond: 400 },
      serviceTime: { kind: 'exponential' },
      clientProxies: 4,
      errorLatencyMs: 1,
      timeoutMs: 1000,
      outlierDetection: { consecutive5xxErrors: 5, intervalSeconds: 10, baseEjectionSeconds: 30, maxEjectionPercent: 50 },
      conditions: conditionsFrom({
        v1: (s) => ({ meanServiceMs: 20 * v1(s), errorProbability: 0 }),
        // Mean over all requests: 85% at 12 ms, 15% at 36 ms.
        v2: (s) => ({ meanServiceMs: 12 * v2(s) * (failing(s) ? 1.3 : 1), errorProbability: 0, slowErrorProbability: failing(s) ? 0.15 : 0 }),
      }),
    };
  },
};
