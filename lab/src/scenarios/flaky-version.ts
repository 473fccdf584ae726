// Tuning-set counterpart of fast-failing: v2 is the faster version, and from 300 s it answers
// 12% of requests with an immediate 503, which Istio's default retries mostly hide. What an
// error should cost a policy (a retry inside the subset, or a request lost) is tuned here, so
// that the held-out error scenarios stay unseen.
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, WARMUP_SECONDS, type Scenario } from './scenario.ts';

const FAILING_FROM = 300;
const ERROR_PROBABILITY = 0.12;

export const flakyVersion: Scenario = {
  name: 'flaky-version',
  set: 'tuning',
  title: 'A faster version that fails now and then',
  description: `v1 ~20 ms, v2 ~12 ms (drifting), Poisson 420 req/s for 1200 s; from ${FAILING_FROM} s v2 answers ${ERROR_PROBABILITY * 100}% of requests with a fast 503.`,
  control: DEFAULT_CONTROL,
  changes: [{ atSeconds: FAILING_FROM, subset: 'v2', direction: 'away', label: `v2 fails ${ERROR_PROBABILITY * 100}%` }],
  build: (seed) => {
    const random = new Random(seed ^ 0xf1a4);
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
        v1: (s) => ({ meanServiceMs: 20 * v1(s), errorProbability: 0 }),
        v2: (s) => ({ meanServiceMs: 12 * v2(s), errorProbability: s >= FAILING_FROM ? ERROR_PROBABILITY : 0 }),
      }),
    };
  },
};
