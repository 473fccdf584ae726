// The main test of a controller: v2 becomes four times slower at 120 s (a bad node, a noisy
// neighbour) and recovers at 240 s. Static 50/50 overloads it; a good policy moves traffic away
// within a few intervals, then back.
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, WARMUP_SECONDS, type Scenario } from './scenario.ts';

const DEGRADE_AT = 600;
const RECOVER_AT = 1200;
const SLOWDOWN = 4;

export const degradation: Scenario = {
  name: 'degradation',
  set: 'tuning',
  title: 'Degradation of one version, then recovery',
  description: `v1 ~20 ms, v2 ~14 ms per request (drifting), Poisson 400 req/s for 1800 s; v2 is ${SLOWDOWN}x slower from ${DEGRADE_AT} s to ${RECOVER_AT} s.`,
  control: DEFAULT_CONTROL,
  changes: [
    { atSeconds: DEGRADE_AT, subset: 'v2', direction: 'away', label: `v2 ${SLOWDOWN}x slower` },
    { atSeconds: RECOVER_AT, subset: 'v2', direction: 'toward', label: 'v2 recovers' },
  ],
  build: (seed) => {
    const random = new Random(seed ^ 0xde9a);
    const v1 = driftingServiceTime(random.fork());
    const v2 = driftingServiceTime(random.fork());
    return {
      durationSeconds: 1800,
      warmupSeconds: WARMUP_SECONDS,
      subsets: productSubsets(),
      arrivals: { kind: 'poisson', ratePerSecond: 400 },
      serviceTime: { kind: 'exponential' },
      clientProxies: 4,
      errorLatencyMs: 1,
      conditions: conditionsFrom({
        v1: (s) => ({ meanServiceMs: 20 * v1(s), errorProbability: 0 }),
        v2: (s) => ({
          meanServiceMs: 14 * v2(s) * (s >= DEGRADE_AT && s < RECOVER_AT ? SLOWDOWN : 1),
          errorProbability: 0,
        }),
      }),
    };
  },
};
