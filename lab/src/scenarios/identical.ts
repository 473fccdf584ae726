// Two identical versions: the manifest's 50/50 is already right. A controller must not make
// things worse chasing noise (the 1.05x static goal).
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, WARMUP_SECONDS, type Scenario } from './scenario.ts';

export const identical: Scenario = {
  name: 'identical',
  set: 'held-out',
  title: 'Identical versions (static is optimal)',
  description: 'v1 and v2 ~16 ms each (drifting independently, about +-10%), Poisson 420 req/s for 1200 s.',
  control: DEFAULT_CONTROL,
  changes: [],
  tags: ['static-optimal'],
  build: (seed) => {
    const random = new Random(seed ^ 0x1de7);
    const v1 = driftingServiceTime(random.fork());
    const v2 = driftingServiceTime(random.fork());
    return {
      durationSeconds: 1200,
      warmupSeconds: WARMUP_SECONDS,
      subsets: productSubsets(),
      arrivals: { kind: 'poisson', ratePerSecond: 420 },
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
