// The simulator: deterministic for a seed, and right where queueing theory has answers
// (M/M/1 and M/M/c response times, utilisation through Little's law, error and routing shares).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { histogramQuantile } from '../src/core/observations.ts';
import { Random } from '../src/core/random.ts';
import { mmcResponseMs } from '../src/experiments/oracle.ts';
import { STRATEGIES } from '../src/experiments/strategies.ts';
import { SCENARIOS, findScenario } from '../src/scenarios/index.ts';
import { FAILED_REQUEST_SCORE_MS, simulate } from '../src/simulator/engine.ts';
import type { ArrivalModel, ControlSettings, SimulationModel, SubsetConditions } from '../src/simulator/model.ts';
import { extrapolationFactor, SimulatedTelemetry } from '../src/simulator/telemetry.ts';
import { ISTIO_DEFAULT_RETRIES, NO_RETRIES } from '../src/core/mesh.ts';

const CONTROL: ControlSettings = { scrapeIntervalSeconds: 15, intervalSeconds: 30, windowSeconds: 60, actuationDelaySeconds: 1, actuationJitterSeconds: 0 };

function queueModel(options: {
  ratePerSecond?: number;
  arrivals?: ArrivalModel;
  concurrency: number;
  meanServiceMs: number;
  errorProbability?: number;
  durationSeconds?: number;
  subsets?: string[];
}): SimulationModel {
  const conditions: SubsetConditions = { meanServiceMs: options.meanServiceMs, errorProbability: options.errorProbability ?? 0 };
  return {
    durationSeconds: options.durationSeconds ?? 2000,
    warmupSeconds: 50,
    subsets: (options.subsets ?? ['only']).map((name) => ({ name, pods: 1, concurrency: options.concurrency, queueLimit: 100_000 })),
    arrivals: options.arrivals ?? { kind: 'poisson', ratePerSecond: options.ratePerSecond ?? 50 },
    serviceTime: { kind: 'exponential' },
    clientProxies: 1,
    errorLatencyMs: 1,
    retries: NO_RETRIES,
    conditions: () => conditions,
  };
}

const within = (actual: number, expected: number, tolerance: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= tolerance * expected, `${what}: ${actual.toFixed(3)} vs expected ${expected.toFixed(3)} (±${tolerance * 100}%)`);
};

test('the PRNG is deterministic per seed, uniform, and its samplers have the right means', () => {
  const a = new Random(42);
  const b = new Random(42);
  const c = new Random(43);
  const first = Array.from({ length: 5 }, () => a.next());
  assert.equal(first, Array.from({ length: 5 }, () => b.next()));
  assert.not.equal(first, Array.from({ length: 5 }, () => c.next()));
  const r = new Random(1);
  const n = 200_000;
  let uniform = 0;
  let exponential = 0;
  let gamma = 0;
  let normalSquares = 0;
  for (let i = 0; i < n; i++) {
    uniform += r.next();
    exponential += r.exponential(3);
    gamma += r.gamma(2.5);
    normalSquares += r.normal() ** 2;
  }
  within(uniform / n, 0.5, 0.01, 'uniform mean');
  within(exponential / n, 3, 0.02, 'exponential mean');
  within(gamma / n, 2.5, 0.02, 'gamma mean');
  within(normalSquares / n, 1, 0.02, 'normal variance');
});

test('same seed, same results; another seed, other results', () => {
  const scenario = findScenario('degradation');
  const strategy = STRATEGIES.find((s) => s.name === 'thompson');
  assert.ok(strategy);
  const run = (seed: number): ReturnType<typeof simulate> =>
    simulate(scenario.build(seed), scenario.control, strategy.routing(scenario, ['v1', 'v2'], seed), seed);
  const first = run(5);
  const again = run(5);
  assert.equal(again, first);
  const other = run(6);
  assert.is.not(other.latencyMs.p50, first.latencyMs.p50);
  assert.is.not(other.requests, first.requests);
});

test('M/M/1 at 50% load: mean response 1/(mu - lambda), exponential percentiles', () => {
  // mu = 100/s (10 ms), lambda = 50/s: response time ~ Exp(rate 50/s), mean 20 ms.
  const result = simulate(queueModel({ ratePerSecond: 50, concurrency: 1, meanServiceMs: 10, durationSeconds: 4000 }), CONTROL, { kind: 'least-request' }, 1);
  within(result.latencyMs.mean, 20, 0.05, 'mean response');
  within(result.latencyMs.p50, 20 * Math.LN2, 0.06, 'median');
  within(result.latencyMs.p99, 20 * Math.log(100), 0.08, 'p99');
  within(result.requests / (4000 - 50), 50, 0.02, 'throughput');
});

test("M/M/4 at 80% load matches Erlang C, and Little's law gives the utilisation", () => {
  const lambdaPerSecond = 160;
  const serviceMs = 20;
  const servers = 4;
  const result = simulate(queueModel({ ratePerSecond: lambdaPerSecond, concurrency: servers, meanServiceMs: serviceMs, durationSeconds: 3000 }), CONTROL, { kind: 'least-request' }, 2);
  const expected = mmcResponseMs(lambdaPerSecond / 1000, serviceMs, servers);
  within(result.latencyMs.mean, expected, 0.06, 'M/M/4 mean response');
  // Little's law on the servers alone: busy servers = lambda x service time = 3.2, i.e. 80% of 4.
  const throughput = result.requests / (3000 - 50);
  within((throughput * serviceMs) / 1000 / servers, 0.8, 0.03, 'utilisation');
});

test('fast failures: the error rate is the error probability, failures answer in errorLatencyMs', () => {
  const result = simulate(queueModel({ ratePerSecond: 100, concurrency: 8, meanServiceMs: 10, errorProbability: 0.2, durationSeconds: 500 }), CONTROL, { kind: 'least-request' }, 3);
  within(result.errorRate, 0.2, 0.05, 'error rate');
  assert.ok(result.latencyMs.p50 > 1, 'most requests succeed with a real service time');
});

test('weighted routing: traffic shares follow the weights', () => {
  const model = queueModel({ ratePerSecond: 200, concurrency: 50, meanServiceMs: 5, durationSeconds: 300, subsets: ['v1', 'v2'] });
  const result = simulate(model, CONTROL, { kind: 'subset-weights', initialWeights: { v1: 80, v2: 20 } }, 4);
  const shares = result.slices.filter((s) => s.requests > 0).map((s) => s.shares.v2 ?? NaN);
  within(shares.reduce((a, b) => a + b, 0) / shares.length, 0.2, 0.04, 'v2 share');
});

test('bursty arrivals average to the long-run rate of the two phases', () => {
  const arrivals: ArrivalModel = { kind: 'bursty', calmRatePerSecond: 100, burstRatePerSecond: 600, meanCalmSeconds: 20, meanBurstSeconds: 5 };
  // About 800 calm/burst cycles: the phase lengths' randomness leaves a ~2% standard error.
  const result = simulate(queueModel({ arrivals, concurrency: 100, meanServiceMs: 1, durationSeconds: 20000 }), CONTROL, { kind: 'least-request' }, 5);
  within(result.requests / (20000 - 50), (100 * 20 + 600 * 5) / 25, 0.07, 'mean arrival rate');
  const rates = result.slices.map((s) => s.requests / 10);
  assert.ok(Math.max(...rates) > 400 && Math.min(...rates) < 150, 'calm and burst phases are both visible');
});

test('least-request (power of two choices) sends less to slower pods than a random split would', () => {
  const model: SimulationModel = {
    ...queueModel({ ratePerSecond: 300, concurrency: 2, meanServiceMs: 10, durationSeconds: 300, subsets: ['fast', 'slow'] }),
    subsets: [
      { name: 'fast', pods: 3, concurrency: 2, queueLimit: 1000 },
      { name: 'slow', pods: 3, concurrency: 2, queueLimit: 1000 },
    ],
    conditions: (subset) => ({ meanServiceMs: subset === 'slow' ? 30 : 10, errorProbability: 0 }),
  };
  const result = simulate(model, CONTROL, { kind: 'least-request' }, 6);
  const counted = result.slices.filter((s) => s.requests > 0);
  const slowShare = counted.reduce((s, x) => s + (x.shares.slow ?? 0), 0) / counted.length;
  assert.ok(slowShare < 0.4, `slow pods got ${(slowShare * 100).toFixed(1)}% of the traffic`);
});

test("the simulator's observations are Prometheus-shaped and match what it served", () => {
  let seen: number[] = [];
  const model = queueModel({ ratePerSecond: 100, concurrency: 10, meanServiceMs: 8, durationSeconds: 60, subsets: ['v1', 'v2'] });
  simulate(model, { scrapeIntervalSeconds: 1, intervalSeconds: 10, windowSeconds: 10, actuationDelaySeconds: 0, actuationJitterSeconds: 0 }, {
    kind: 'subset-weights',
    initialWeights: { v1: 50, v2: 50 },
    onControl: (view) => {
      const v1 = view.observations.find((o) => o.subset === 'v1');
      assert.ok(v1 && v1.status === 'ok');
      assert.is(v1.buckets[v1.buckets.length - 1]?.le, Infinity);
      assert.is(histogramQuantile(0.99, v1.buckets), v1.latencyMs.p99);
      seen = [...seen, v1.requestRate];
      return { weights: view.current, action: 'hold' };
    },
  }, 7);
  assert.is(seen.length, 5);
  for (const rate of seen) within(rate, 50, 0.25, 'v1 request rate');
});

test('every scenario builds and runs deterministically for a short while', () => {
  for (const scenario of SCENARIOS) {
    const shortened = (seed: number): SimulationModel => ({ ...scenario.build(seed), durationSeconds: 40, warmupSeconds: 5 });
    const routing = { kind: 'subset-weights' as const, initialWeights: { v1: 50, v2: 50 } };
    const a = simulate(shortened(1), scenario.control, routing, 1);
    const b = simulate(shortened(1), scenario.control, routing, 1);
    assert.equal(a, b, scenario.name);
    assert.ok(a.requests > 1000, `${scenario.name}: ${a.requests} requests`);
  }
});

test('histogramQuantile interpolates as Prometheus does', () => {
  const buckets = [
    { le: 1, count: 10 },
    { le: 5, count: 50 },
    { le: 10, count: 100 },
    { le: Infinity, count: 100 },
  ];
  assert.is(histogramQuantile(0.5, buckets), 5);
  assert.ok(Math.abs(histogramQuantile(0.99, buckets) - 9.9) < 1e-9);
  assert.ok(Math.abs(histogramQuantile(0.05, buckets) - 0.5) < 1e-9);
  assert.is(histogramQuantile(0.99, [{ le: 10, count: 1 }, { le: Infinity, count: 100 }]), 10);
  assert.ok(Number.isNaN(histogramQuantile(0.5, [{ le: Infinity, count: 0 }, { le: Infinity, count: 0 }])));
});

test("Istio's default retries (2, on 503) hide most fast failures from the client, and each attempt is reported", () => {
  const base = queueModel({ ratePerSecond: 100, concurrency: 8, meanServiceMs: 10, errorProbability: 0.2, durationSeconds: 500 });
  const model: SimulationModel = { ...base, retries: ISTIO_DEFAULT_RETRIES, subsets: [{ name: 'only', pods: 4, concurrency: 8, queueLimit: 1000 }] };
  const result = simulate(model, CONTROL, { kind: 'least-request' }, 3);
  // Three independent attempts must all fail: 0.2^3.
  within(result.errorRate, 0.008, 0.25, 'client-side failure rate');
  within(result.retries / result.simulatedRequests, 0.2 + 0.04, 0.06, 'retries per request');
  // A final failure counts as a failure in the p99: with 0.8% failing the p99 is still a success...
  assert.ok(result.latencyMs.p99 < 1000, String(result.latencyMs.p99));
  // ...but without retries 20% fail, so the p99 is the failure score.
  const bare = simulate({ ...model, retries: NO_RETRIES }, CONTROL, { kind: 'least-request' }, 3);
  assert.is(Math.round(bare.latencyMs.p99 / 1000), Math.round(FAILED_REQUEST_SCORE_MS / 1000));
});

test('slow errors hold a slot; a route timeout fails the request at the timeout; outlier detection ejects the failing pod', () => {
  const base = queueModel({ ratePerSecond: 200, concurrency: 2, meanServiceMs: 10, durationSeconds: 400 });
  const model: SimulationModel = {
    ...base,
    clientProxies: 2,
    subsets: [{ name: 'only', pods: 4, concurrency: 2, queueLimit: 1000 }],
    retries: NO_RETRIES,
    // Pod 0 fails every request slowly.
    conditions: () => ({ meanServiceMs: 10, errorProbability: 0, slowErrorProbability: 0, podFactors: [1, 1, 1, 1] }),
  };
  const failingPod: SimulationModel = { ...model, conditions: (_s, second) => ({ meanServiceMs: 10, errorProbability: 0, slowErrorProbability: second >= 0 ? 0.25 : 0 }) };
  const without = simulate(failingPod, CONTROL, { kind: 'round-robin' }, 8);
  within(without.errorRate, 0.25, 0.1, 'slow error rate');
  // Failures took a service time: the median failure is not instant, so the mean stays near the service time.
  assert.ok(without.latencyMs.mean > 5, String(without.latencyMs.mean));
  const withTimeout = simulate({ ...model, timeoutMs: 15, conditions: () => ({ meanServiceMs: 10, errorProbability: 0 }) }, CONTROL, { kind: 'round-robin' }, 8);
  // Exponential 10 ms service (plus queueing): well over e^-1.5 = 22% exceed 15 ms, all failed at 15 ms.
  assert.ok(withTimeout.errorRate > 0.2 && withTimeout.errorRate < 0.6, String(withTimeout.errorRate));
  const badPod: SimulationModel = {
    ...model,
    subsets: [
      { name: 'only', pods: 4, concurrency: 2, queueLimit: 1000 },
    ],
    conditions: () => ({ meanServiceMs: 10, errorProbability: 0 }),
  };
  // Fast 503s from a whole subset: with outlier detection each proxy ejects hosts after 5 in a row.
  const failing: SimulationModel = { ...badPod, conditions: () => ({ meanServiceMs: 10, errorProbability: 0.9 }) };
  const ejecting = simulate({ ...failing, outlierDetection: { consecutive5xxErrors: 5, intervalSeconds: 10, baseEjectionSeconds: 30, maxEjectionPercent: 50 } }, CONTROL, { kind: 'least-request' }, 9);
  assert.ok(ejecting.ejections > 10, `${ejecting.ejections} ejections`);
  const none = simulate(failing, CONTROL, { kind: 'least-request' }, 9);
  assert.is(none.ejections, 0);
});

test('pods that stop are refused (retried) until the endpoints catch up; a subset left without pods fails', () => {
  const model: SimulationModel = {
    ...queueModel({ ratePerSecond: 100, concurrency: 4, meanServiceMs: 5, durationSeconds: 200 }),
    subsets: [{ name: 'only', pods: 4, concurrency: 4, queueLimit: 1000 }],
    endpointDelaySeconds: 5,
    retries: ISTIO_DEFAULT_RETRIES,
    conditions: (_s, second) => ({ meanServiceMs: 5, errorProbability: 0, activePods: second >= 100 ? 2 : 4 }),
  };
  const result = simulate(model, CONTROL, { kind: 'round-robin' }, 10);
  // For 5 s half the picks hit a stopped pod: ~250 refused connections, nearly all retried to a running pod.
  assert.ok(result.retries > 150 && result.retries < 400, `${result.retries} retries`);
  // A retry avoids the previous attempt's host only (not every host tried), so a few meet the other stopped pod twice.
  assert.ok(result.errorRate < 0.005, String(result.errorRate));
  const gone = simulate({ ...model, conditions: (_s, second) => ({ meanServiceMs: 5, errorProbability: 0, activePods: second >= 100 ? 0 : 4 }) }, CONTROL, { kind: 'round-robin' }, 10);
  within(gone.errorRate, (200 - 100) / (200 - 50), 0.05, 'failures once no pod runs (scored from 50 s)');
});

test('service-time shapes keep the mean and differ in the tail: pareto > lognormal > bimodal > exponential p99 here', () => {
  const p99Of = (shape: SimulationModel['serviceTime']): { mean: number; p99: number } => {
    const model = { ...queueModel({ ratePerSecond: 20, concurrency: 100, meanServiceMs: 10, durationSeconds: 3000 }), serviceTime: shape };
    const r = simulate(model, CONTROL, { kind: 'least-request' }, 11);
    return { mean: r.latencyMs.mean, p99: r.latencyMs.p99 };
  };
  const exponential = p99Of({ kind: 'exponential' });
  const bimodal = p99Of({ kind: 'bimodal', slowProbability: 0.05, slowFactor: 10 });
  const lognormal = p99Of({ kind: 'lognormal', sigma: 1.2 });
  const pareto = p99Of({ kind: 'pareto', alpha: 2.5 });
  within(exponential.mean, 10, 0.03, 'exponential mean');
  within(bimodal.mean, 10, 0.05, 'bimodal mean');
  within(lognormal.mean, 10, 0.06, 'lognormal mean');
  within(pareto.mean, 10, 0.06, 'pareto mean');
  within(exponential.p99, 10 * Math.log(100), 0.06, 'exponential p99');
  // Pareto alpha 2.5 scaled to mean 10: x_m = 6, p99 = 6 x 100^(1/2.5) = 37.9 ms.
  within(pareto.p99, 6 * Math.pow(100, 1 / 2.5), 0.06, 'pareto p99');
  assert.ok(bimodal.p99 > exponential.p99, `bimodal ${bimodal.p99} vs exponential ${exponential.p99}`);
});

test('the clairvoyant dispatcher (sizes and schedules known) beats least-request with a global view, and never overflows', () => {
  const model: SimulationModel = {
    ...queueModel({ ratePerSecond: 300, concurrency: 2, meanServiceMs: 10, durationSeconds: 300 }),
    subsets: [
      { name: 'fast', pods: 2, concurrency: 2, queueLimit: 64 },
      { name: 'slow', pods: 2, concurrency: 2, queueLimit: 64 },
    ],
    serviceTime: { kind: 'pareto', alpha: 1.8 },
    conditions: (subset) => ({ meanServiceMs: subset === 'slow' ? 40 : 10, errorProbability: 0 }),
  };
  const clairvoyant = simulate(model, CONTROL, { kind: 'clairvoyant' }, 13);
  const leastRequest = simulate(model, CONTROL, { kind: 'least-request' }, 13);
  assert.is(clairvoyant.errors, 0);
  assert.is(clairvoyant.retries, 0);
  assert.ok(clairvoyant.latencyMs.p99 < leastRequest.latencyMs.p99 * 0.8, `${clairvoyant.latencyMs.p99} vs ${leastRequest.latencyMs.p99}`);
  assert.ok(clairvoyant.latencyMs.mean < leastRequest.latencyMs.mean, `${clairvoyant.latencyMs.mean} vs ${leastRequest.latencyMs.mean}`);
});

test('an arrival schedule changes the rate at the set times', () => {
  const arrivals: ArrivalModel = { kind: 'schedule', segments: [{ fromSeconds: 0, ratePerSecond: 100 }, { fromSeconds: 100, ratePerSecond: 400 }, { fromSeconds: 200, ratePerSecond: 50 }] };
  const result = simulate(queueModel({ arrivals, concurrency: 100, meanServiceMs: 1, durationSeconds: 300 }), CONTROL, { kind: 'least-request' }, 12);
  const rateIn = (from: number, to: number): number => {
    const s = result.slices.filter((x) => x.startSeconds >= from && x.startSeconds < to);
    return s.reduce((n, x) => n + x.requests, 0) / (10 * s.length);
  };
  within(rateIn(60, 100), 100, 0.1, 'first segment');
  within(rateIn(100, 200), 400, 0.05, 'surge');
  within(rateIn(200, 300), 50, 0.12, 'after');
});

test('telemetry as Prometheus gives it: 15 s scrapes, increase() extrapolated, no data before two samples, stale when scrapes fail', () => {
  // Samples at 0, 15, 30, 45 inside (0, 60] with a 60 s window: Prometheus extends 45 s to 60 s.
  within(extrapolationFactor(15, 60, 4, 0, 60), 60 / 45, 1e-9, 'extrapolation to the window');
  // A gap to the window's start over 1.1 sample intervals: half an interval only.
  within(extrapolationFactor(40, 60, 2, 0, 60), (20 + 10 + 0) / 20, 1e-9, 'half an interval');
  const telemetry = new SimulatedTelemetry(['v1'], 60, 15, 0);
  for (let second = 1; second <= 120; second++) {
    for (let k = 0; k < 10; k++) telemetry.record(0, 10, false);
    telemetry.scrape(second, [{ fromSeconds: 70, toSeconds: 200 }]);
  }
  const early = new SimulatedTelemetry(['v1'], 60, 15, 0);
  early.scrape(15);
  assert.is(early.observe(60, 20)[0]?.status, 'no-data');
  const atSixty = telemetry.observe(60, 60)[0];
  assert.is(atSixty?.status, 'ok');
  // 10 requests per second measured from samples 15 s apart, extrapolated: exact.
  within(atSixty?.requestRate ?? NaN, 10, 1e-9, 'rate');
  assert.is(atSixty?.sampledAt, 60);
  // After the outage starts: at 120 s the newest sample is from 60 s, none inside the window.
  const during = telemetry.observe(60, 120)[0];
  assert.is(during?.status, 'no-data');
  assert.is(during?.sampledAt, 60);
});

test.run();
