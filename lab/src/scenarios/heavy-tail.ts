// v2 is faster on average (a cache) but heavy-tailed: Pareto service times (alpha 1.7, infinite
// variance); v1 is slower and regular (lognormal, sigma 0.4). Mean latency flatters v2; its tail
// and the queueing behind long requests do not.
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, WARMUP_SECONDS, type Scenario } from './scenario.ts';

export const heavyTail: Scenario = {
  name: 'heavy-tail',
  set: 'held-out',
  title: 'A faster version with a heavy tail',
  description: 'v1 ~18 ms lognormal (sigma 0.4), v2 ~12 ms Pareto (alpha 1.7), both drifting; Poisson 420 req/s for 1200 s.',
  control: DEFAULT_CONTROL,
  changes: [],
  tags: ['persistent-heterogeneity'],
  build: (seed) => {
    const random = new Random(seed ^ 0x7a11);
    const v1 = driftingServiceTime(random.fork());
    const v2 = driftingServiceTime(random.fork());
    const [one, two] = productSubsets();
    return {
      durationSeconds: 1200,
      warmupSeconds: WARMUP_SECONDS,
      subsets: [
        { ...(one as NonNullable<typeof one>), serviceTime: { kind: 'lognormal', sigma: 0.4 } },
        { ...(two as NonNullable<typeof two>), serviceTime: { kind: 'pareto', alpha: 1.7 } },
      ],
      arrivals: { kind: 'poisson', ratePerSecond: 420 },
      serviceTime: { kind: 'exponential' },
      clientProxies: 4,
      errorLatencyMs: 1,
      conditions: conditionsFrom({
        v1: (s) => ({ meanServiceMs: 18 * v1(s), errorProbability: 0 }),
        v2: (s) => ({ meanServiceMs: 12 * v2(s), errorProbability: 0 }),
      }),
    };
  },
};
