// A load surge at a set time (a marketing mail, a sale opening): 300 req/s, then 650 req/s for
// five minutes from 600 s. At an even split the slower v1 saturates during the surge.
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, WARMUP_SECONDS, type Scenario } from './scenario.ts';

export const surge: Scenario = {
  name: 'surge',
  set: 'tuning',
  title: 'A load surge at a set time',
  description: 'v1 ~20 ms, v2 ~12 ms (drifting); Poisson 300 req/s, 650 req/s from 600 s to 900 s, 300 req/s again until 1200 s.',
  control: DEFAULT_CONTROL,
  changes: [],
  tags: ['persistent-heterogeneity'],
  build: (seed) => {
    const random = new Random(seed ^ 0x5e9e);
    const v1 = driftingServiceTime(random.fork());
    const v2 = driftingServiceTime(random.fork());
    return {
      durationSeconds: 1200,
      warmupSeconds: WARMUP_SECONDS,
      subsets: productSubsets(),
      arrivals: {
        kind: 'schedule',
        segments: [
          { fromSeconds: 0, ratePerSecond: 300 },
          { fromSeconds: 600, ratePerSecond: 650 },
          { fromSeconds: 900, ratePerSecond: 300 },
        ],
      },
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
