// v2 loses half its replicas at 600 s (a node drained) and gets them back at 1200 s. The two
// stopped pods stay in the sidecars' endpoints for 5 s (connections refused, retried by Istio's
// default policy); v2's capacity is halved while its per-request latency looks unchanged at first.
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, WARMUP_SECONDS, type Scenario } from './scenario.ts';

const LOSS_AT = 600;
const BACK_AT = 1200;

export const replicaLoss: Scenario = {
  name: 'replica-loss',
  set: 'held-out',
  title: 'One version loses half its replicas',
  description: `v1 ~20 ms, v2 ~14 ms (drifting), Poisson 420 req/s for 1500 s; v2 runs 2 of 4 pods from ${LOSS_AT} s to ${BACK_AT} s (endpoints 5 s late).`,
  control: DEFAULT_CONTROL,
  changes: [
    { atSeconds: LOSS_AT, subset: 'v2', direction: 'away', label: 'v2 loses 2 of 4 pods' },
    { atSeconds: BACK_AT, subset: 'v2', direction: 'toward', label: 'v2 back to 4 pods' },
  ],
  tags: ['persistent-heterogeneity'],
  build: (seed) => {
    const random = new Random(seed ^ 0x1055);
    const v1 = driftingServiceTime(random.fork());
    const v2 = driftingServiceTime(random.fork());
    return {
      durationSeconds: 1500,
      warmupSeconds: WARMUP_SECONDS,
      subsets: productSubsets(),
      arrivals: { kind: 'poisson', ratePerSecond: 420 },
      serviceTime: { kind: 'exponential' },
      clientProxies: 4,
      errorLatencyMs: 1,
      endpointDelaySeconds: 5,
      conditions: conditionsFrom({
        v1: (s) => ({ meanServiceMs: 20 * v1(s), errorProbability: 0 }),
        v2: (s) => ({ meanServiceMs: 14 * v2(s), errorProbability: 0, activePods: s >= LOSS_AT && s < BACK_AT ? 2 : 4 }),
      }),
    };
  },
};
