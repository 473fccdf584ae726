// Bursty load (Markov-modulated Poisson: calm phases of ~20 s at 300 req/s, bursts of ~5 s at
// 750 req/s) on heterogeneous versions with lognormal service times: bursts briefly exceed
// what the slower version can take at an even split.
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, type Scenario } from './scenario.ts';

export const bursty: Scenario = {
  name: 'bursty',
  set: 'held-out',
  title: 'Bursty load on heterogeneous versions',
  description: 'v1 ~20 ms, v2 ~13 ms (lognormal, sigma 0.8, drifting); calm 300 req/s (~20 s) and bursts of 750 req/s (~5 s), 300 s.',
  control: DEFAULT_CONTROL,
  changes: [],
  build: (seed) => {
    const random = new Random(seed ^ 0xb0b5);
    const v1 = driftingServiceTime(random.fork());
    const v2 = driftingServiceTime(random.fork());
    return {
      durationSeconds: 300,
      warmupSeconds: 20,
      subsets: productSubsets(),
      arrivals: { kind: 'bursty', calmRatePerSecond: 300, burstRatePerSecond: 750, meanCalmSeconds: 20, meanBurstSeconds: 5 },
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
