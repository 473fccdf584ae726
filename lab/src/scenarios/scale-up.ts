// v1 runs 2 of its 4 pods until the autoscaler adds two at 600 s while the load ramps up; the
// new pods reach the sidecars' endpoints 2 s after they start. A policy that knows pods follows.
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, WARMUP_SECONDS, type Scenario } from './scenario.ts';

const SCALE_AT = 600;

export const scaleUp: Scenario = {
  name: 'scale-up',
  set: 'tuning',
  title: 'One version scales up under a growing load',
  description: `v1 and v2 ~16 ms (drifting); v1 has 2 pods running, 4 from ${SCALE_AT} s; Poisson 280 req/s, 420 req/s from 540 s; 1200 s.`,
  control: DEFAULT_CONTROL,
  changes: [{ atSeconds: SCALE_AT, subset: 'v1', direction: 'toward', label: 'v1 scales 2 -> 4 pods' }],
  build: (seed) => {
    const random = new Random(seed ^ 0x5ca1);
    const v1 = driftingServiceTime(random.fork());
    const v2 = driftingServiceTime(random.fork());
    return {
      durationSeconds: 1200,
      warmupSeconds: WARMUP_SECONDS,
      subsets: productSubsets(),
      arrivals: { kind: 'schedule', segments: [{ fromSeconds: 0, ratePerSecond: 280 }, { fromSeconds: 540, ratePerSecond: 420 }] },
      serviceTime: { kind: 'exponential' },
      clientProxies: 4,
      errorLatencyMs: 1,
      conditions: conditionsFrom({
        v1: (s) => ({ meanServiceMs: 16 * v1(s), errorProbability: 0, activePods: s >= SCALE_AT ? 4 : 2 }),
        v2: (s) => ({ meanServiceMs: 16 * v2(s), errorProbability: 0 }),
      }),
    };
  },
};
