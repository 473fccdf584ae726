// The simulator: deterministic for a seed, and right where queueing theory has answers
// (M/M/1 and M/M/c response times, utilisation through Little's law, error and routing shares).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { histogramQuantile } from '../src/core/observations.ts';
import { Random } from '../src/core/random.ts';
import { mmcResponseMs } from '../src/experiments/oracle.ts';
import { STRATEGIES } from '../src/experiments/strategies.ts';
import { SCENARIOS, findScenario } from '../src/scenarios/index.ts';
import { simulate } from '../src/simulator/engine.ts';
import type { ArrivalModel, ControlSettings, SimulationModel, SubsetConditions } from '../src/simulator/model.ts';

const CONTROL: ControlSettings = { intervalSeconds: 5, windowSeconds: 10, actuationDelaySeconds: 1 };

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
  assert.is.not(other.latencyMs.p99, first.latencyMs.p99);
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
  simulate(model, { intervalSeconds: 10, windowSeconds: 10, actuationDelaySeconds: 0 }, {
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
    const shortened = (seed: number): SimulationModel => ({ ...scenario.build(seed), durationSeconds: 40 });
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

test.run();
