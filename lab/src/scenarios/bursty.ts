// Bursty load (Markov-modulated Poisson: calm phases of ~120 s at 300 req/s, bursts of ~30 s at
// 750 req/s) on heterogeneous versions with lognormal service times: bursts briefly exceed
// what the slower version can take at an even split.
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, WARMUP_SECONDS, type Scenario } from './scenario.ts';

export const bursty: Scenario = {
  name: 'bursty',
  set: 'held-out',
  title: 'Bursty load on heterogeneous versions',
  description: 'v1 ~20 ms, v2 ~13 ms (lognormal, sigma 0.8, drifting); calm 300 req/s (~120 s) and bursts of 750 req/s (~30 s), 1200 s.',
  control: DEFAULT_CONTROL,
  changes: [],
  tags: ['persistent-heterogeneity'],
  build: (seed) => {
    const random = new Random(seed ^ 0xb0b5);
    const v1 = driftingServiceTime(random.fork());
    const v2 = driftingServiceTime(random.fork());
    return {
      durationSeconds: 1200,
      warmupSeconds: WARMUP_SECONDS,
      subsets: productSubsets(),
      arrivals: { kind: 'bursty', calmRatePerSecond: 300, burstRatePerSecond: 750, meanCalmSeconds: 120, meanBurstSeconds: 30 },
      serviceTime: { kind: 'lognormal', sigma: 0.8 },
      clientProxies: 4,
      errorLatencyMs: 1,
      conditions: conditionsFrom({
        v1: (s) => ({ meanServiceMs: 20 * v1(s), errorProbability: 0 }),
        v2: (s) => ({ meanServiceMs: 13 * v2(s), errorProbability: 0 }),
      }),
    };
  },
};
