// Two versions of different speed (v2 caches, so it is faster), both drifting slowly, under
// steady Poisson load. A good policy sends more to v2 without overloading it.
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, WARMUP_SECONDS, type Scenario } from './scenario.ts';

export const steadyHeterogeneous: Scenario = {
  name: 'steady-heterogeneous',
  set: 'tuning',
  title: 'Steady load, heterogeneous and drifting versions',
  description: 'v1 ~20 ms and v2 ~12 ms per request (each drifting about +-10%), 4 pods x 2 slots each, Poisson 450 req/s for 1200 s.',
  control: DEFAULT_CONTROL,
  changes: [],
  tags: ['persistent-heterogeneity'],
  build: (seed) => {
    const random = new Random(seed ^ 0x5eed);
    const v1 = driftingServiceTime(random.fork());
    const v2 = driftingServiceTime(random.fork());
    return {
      durationSeconds: 1200,
      warmupSeconds: WARMUP_SECONDS,
      subsets: productSubsets(),
      arrivals: { kind: 'poisson', ratePerSecond: 450 },
      serviceTime: { kind: 'exponential' },
      clientProxies: 4,
      errorLatencyMs: 1,
      conditions: conditionsFrom({
        v1: (s) => ({ meanServiceMs: 20 * v1(s), errorProbability: 0 }),
        v2: (s) => ({ meanServiceMs: 12 * v2(s), errorProbability: 0 }),
      }),
    };
  },
};
