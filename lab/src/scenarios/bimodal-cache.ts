// v2 answers 92% of requests from a cache (fast) and 8% from the database, 15 times slower: a
// bimodal service time with the same mean as v1's exponential one. Equal means, unequal tails.
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, WARMUP_SECONDS, type Scenario } from './scenario.ts';

export const bimodalCache: Scenario = {
  name: 'bimodal-cache',
  set: 'held-out',
  title: 'Equal means, a bimodal version',
  description: 'v1 ~16 ms exponential; v2 ~16 ms bimodal (8% of requests 15x slower than the rest), both drifting; Poisson 430 req/s for 1200 s.',
  control: DEFAULT_CONTROL,
  changes: [],
  tags: ['persistent-heterogeneity'],
  build: (seed) => {
    const random = new Random(seed ^ 0xb1b0);
    const v1 = driftingServiceTime(random.fork());
    const v2 = driftingServiceTime(random.fork());
    const [one, two] = productSubsets();
    return {
      durationSeconds: 1200,
      warmupSeconds: WARMUP_SECONDS,
      subsets: [
        one as NonNullable<typeof one>,
        { ...(two as NonNullable<typeof two>), serviceTime: { kind: 'bimodal', slowProbability: 0.08, slowFactor: 15 } },
      ],
      arrivals: { kind: 'poisson', ratePerSecond: 430 },
      serviceTime: { kind: 'exponential' },
      clientProxies: 4,
      errorLatencyMs: 1,
      conditions: conditionsFrom({
        v1: (s) => ({ meanServiceMs: 16 * v1(s), errorProbability: 0 }),
        v2: (s) => ({ meanServiceMs: 16 * v2(s), errorProbability: 0 }),
      }),
    };
  },
};
