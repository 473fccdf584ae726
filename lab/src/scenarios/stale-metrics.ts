// Prometheus fails to scrape from 540 s to 780 s (a restart, a network partition) while v2
// degrades 3x at 600 s: the controller's data goes stale, the guard rails fail static, and the
// policy can only act once samples are back. Exercises staleness as the mesh gives it.
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, WARMUP_SECONDS, type Scenario } from './scenario.ts';

const DEGRADE_AT = 600;

export const staleMetrics: Scenario = {
  name: 'stale-metrics',
  set: 'held-out',
  title: 'A degradation while the metrics are stale',
  description: `v1 ~20 ms, v2 ~14 ms (drifting), Poisson 380 req/s for 1500 s; v2 3x slower from ${DEGRADE_AT} s to 1200 s; no scrapes from 540 s to 780 s.`,
  control: DEFAULT_CONTROL,
  changes: [
    { atSeconds: DEGRADE_AT, subset: 'v2', direction: 'away', label: 'v2 3x slower (metrics stale)' },
    { atSeconds: 1200, subset: 'v2', direction: 'toward', label: 'v2 recovers' },
  ],
  build: (seed) => {
    const random = new Random(seed ^ 0x57a1);
    const v1 = driftingServiceTime(random.fork());
    const v2 = driftingServiceTime(random.fork());
    return {
      durationSeconds: 1500,
      warmupSeconds: WARMUP_SECONDS,
      subsets: productSubsets(),
      arrivals: { kind: 'poisson', ratePerSecond: 380 },
      serviceTime: { kind: 'exponential' },
      clientProxies: 4,
      errorLatencyMs: 1,
      scrapeOutages: [{ fromSeconds: 540, toSeconds: 780 }],
      conditions: conditionsFrom({
        v1: (s) => ({ meanServiceMs: 20 * v1(s), errorProbability: 0 }),
        v2: (s) => ({ meanServiceMs: 14 * v2(s) * (s >= DEGRADE_AT && s < 1200 ? 3 : 1), errorProbability: 0 }),
      }),
    };
  },
};
