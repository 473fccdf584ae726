// v2 is the faster version, but from 90 s it answers 25% of requests with an immediate 503.
// Its latency looks excellent; a latency-only policy (or least-request, whose failing pods
// always look idle) sends it more traffic. Errors must count; Istio's default retries (503)
// hide most of them from the client, at the price of latency.
import { Random } from '../core/random.ts';
import { conditionsFrom, DEFAULT_CONTROL, driftingServiceTime, productSubsets, WARMUP_SECONDS, type Scenario } from './scenario.ts';

const FAILING_FROM = 300;
const ERROR_PROBABILITY = 0.25;

export const fastFailing: Scenario = {
  name: 'fast-failing',
  set: 'held-out',
  title: 'A fast version that fails often',
  description: `v1 ~20 ms, v2 ~10 ms (drifting), Poisson 400 req/s for 1200 s; from ${FAILING_FROM} s v2 answers ${ERROR_PROBABILITY * 100}% of requests with a fast 503.`,
  control: DEFAULT_CONTROL,
  changes: [{ atSeconds: FAILING_FROM, subset: 'v2', direction: 'away', label: `v2 fails ${ERROR_PROBABILITY * 100}%` }],
  build: (seed) => {
    const random = new Random(seed ^ 0xfa57);
    const v1 = driftingServiceTime(random.fork());
    const v2 = driftingServiceTime(random.fork());
    return {
      durationSeconds: 1200,
      warmupSeconds: WARMUP_SECONDS,
      subsets: productSubsets(),
      arrivals: { kind: 'poisson', ratePerSecond: 400 },
      serviceTime: { kind: 'exponential' },
      clientProxies: 4,
      errorLatencyMs: 1,
      conditions: conditionsFrom({
        v1: (s) => ({ meanServiceMs: 20 * v1(s), errorProbability: 0 }),
        v2: (s) => ({ meanServiceMs: 10 * v2(s), errorProbability: s >= FAILING_FROM ? ERROR_PROBABILITY : 0 }),
      }),
    };
  },
};
