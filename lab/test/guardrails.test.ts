// Guard rails as properties over seeded random inputs (sum 100, floor, max step, hysteresis),
// plus the fail-static and rollback rules on crafted cases.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { observationFromTotals, missingObservation, type SubsetObservation } from '../src/core/observations.ts';
import { Random } from '../src/core/random.ts';
import type { Weights } from '../src/core/weights.ts';
import {
  DEFAULT_GUARDRAILS,
  guard,
  guardrailConfigProblems,
  largestRemainder,
  limitStep,
  raiseToFloor,
  sanitizeWeights,
  type GuardrailConfig,
} from '../src/guardrails.ts';

const RUNS = 2000;

function observation(subset: string, meanMs: number, errorRate = 0, ratePerSecond = 100, sampledAt = 1000): SubsetObservation {
  const requests = ratePerSecond * 10;
  return observationFromTotals(subset, 10, sampledAt, {
    requests,
    errors: requests * errorRate,
    latencySumMs: requests * meanMs,
    buckets: [
      { le: meanMs, count: requests / 2 },
      { le: meanMs * 4, count: requests },
      { le: Infinity, count: requests },
    ],
  });
}

/** Random valid weights (integers, sum 100, each >= floor). */
function randomValidWeights(random: Random, subsets: readonly string[], floor: number): Record<string, number> {
  const raw = subsets.map(() => random.next() ** 3 * 100);
  return sanitizeWeights(Object.fromEntries(subsets.map((s, i) => [s, raw[i] as number])), subsets, floor);
}

/** Any proposal a policy might return: negative, NaN, huge, all-zero, missing subsets. */
function randomProposal(random: Random, subsets: readonly string[]): Weights {
  const pick = random.int(6);
  return Object.fromEntries(
    subsets.flatMap((subset) => {
      if (pick === 0 && random.next() < 0.3) return [];
      const value = pick === 1 ? 0 : pick === 2 ? -random.next() * 50 : pick === 3 && random.next() < 0.2 ? NaN : random.next() * 10 ** random.int(6);
      return [[subset, value]];
    }),
  );
}

function randomConfig(random: Random): GuardrailConfig {
  const count = 2 + random.int(4);
  const subsets = Array.from({ length: count }, (_, i) => `v${i + 1}`);
  const floorPercent = random.int(Math.floor(100 / count / 2) + 1);
  const maxStepPercent = 1 + random.int(60);
  return {
    ...DEFAULT_GUARDRAILS,
    subsets,
    floorPercent,
    maxStepPercent,
    hysteresisPercent: random.int(Math.min(maxStepPercent, 10) + 1),
  };
}

const sum = (w: Weights, subsets: readonly string[]): number => subsets.reduce((s, k) => s + (w[k] ?? NaN), 0);
const allIntegers = (w: Weights, subsets: readonly string[]): boolean => subsets.every((k) => Number.isInteger(w[k]));

test('largest remainder: integers summing to the total, each within 1 of its real value', () => {
  const random = new Random(11);
  for (let run = 0; run < RUNS; run++) {
    const n = 1 + random.int(8);
    const raw = Array.from({ length: n }, () => random.next());
    const total = raw.reduce((a, b) => a + b, 0);
    const reals = raw.map((v) => (v * 100) / total);
    const rounded = largestRemainder(reals);
    assert.is(rounded.reduce((a, b) => a + b, 0), 100, `sum of ${JSON.stringify(rounded)}`);
    rounded.forEach((value, i) => {
      assert.ok(Number.isInteger(value));
      assert.ok(Math.abs(value - (reals[i] as number)) < 1, `${value} vs ${reals[i]}`);
    });
  }
});

test('raiseToFloor keeps the sum and the ratios of the subsets above the floor', () => {
  const raised = raiseToFloor([1, 33, 66], 10);
  assert.is(Math.round(raised.reduce((a, b) => a + b, 0) * 1e9) / 1e9, 100);
  assert.is(raised[0], 10);
  assert.ok(Math.abs((raised[2] as number) / (raised[1] as number) - 2) < 1e-9);
});

test('property: any proposal becomes integers summing to 100 with every subset at or above the floor', () => {
  const random = new Random(12);
  for (let run = 0; run < RUNS; run++) {
    const config = randomConfig(random);
    const result = sanitizeWeights(randomProposal(random, config.subsets), config.subsets, config.floorPercent);
    assert.is(sum(result, config.subsets), 100, JSON.stringify(result));
    assert.ok(allIntegers(result, config.subsets));
    for (const s of config.subsets) assert.ok((result[s] as number) >= config.floorPercent, `${s} below floor in ${JSON.stringify(result)}`);
  }
});

test('property: guard output sums to 100, respects the floor, bounds the step, and honours hysteresis', () => {
  const random = new Random(13);
  let changes = 0;
  let held = 0;
  for (let run = 0; run < RUNS; run++) {
    const config = randomConfig(random);
    const { subsets } = config;
    const current = randomValidWeights(random, subsets, config.floorPercent);
    const observations = subsets.map((s) => observation(s, 5 + random.next() * 200));
    const decision = guard({ proposal: randomProposal(random, subsets), current, observations, nowSeconds: 1000, state: {}, config });
    const w = decision.weights;
    assert.is(sum(w, subsets), 100, `sum: ${JSON.stringify({ current, w })}`);
    assert.ok(allIntegers(w, subsets));
    const steps = subsets.map((s) => Math.abs((w[s] as number) - (current[s] as number)));
    const largest = Math.max(...steps);
    for (const s of subsets) assert.ok((w[s] as number) >= config.floorPercent, `floor: ${JSON.stringify({ config, current, w })}`);
    assert.ok(largest <= config.maxStepPercent, `step ${largest} > ${config.maxStepPercent}: ${JSON.stringify({ current, w })}`);
    assert.ok(largest === 0 || largest >= config.hysteresisPercent, `change ${largest} below hysteresis ${config.hysteresisPercent}`);
    assert.is(decision.action, largest === 0 ? 'hold' : 'change');
    if (largest === 0) held++;
    else changes++;
  }
  // The generator must exercise both outcomes, or the properties prove little.
  assert.ok(changes > RUNS / 10 && held > RUNS / 20, `changes ${changes}, holds ${held}`);
});

test('property: limitStep moves every subset the same fraction of the way and never past maxStep', () => {
  const random = new Random(14);
  for (let run = 0; run < RUNS; run++) {
    const config = randomConfig(random);
    const { subsets } = config;
    const current = randomValidWeights(random, subsets, config.floorPercent);
    const target = randomValidWeights(random, subsets, config.floorPercent);
    const stepped = limitStep(target, current, subsets, config.maxStepPercent);
    assert.is(sum(stepped, subsets), 100);
    for (const s of subsets) {
      const moved = (stepped[s] as number) - (current[s] as number);
      const wanted = (target[s] as number) - (current[s] as number);
      assert.ok(Math.abs(moved) <= config.maxStepPercent);
      assert.ok(moved * wanted >= 0, `${s} moved against the target: ${JSON.stringify({ current, target, stepped })}`);
      assert.ok((stepped[s] as number) >= config.floorPercent);
    }
  }
});

test('hysteresis: a 2-point proposal is dropped at threshold 3, a 3-point one is applied', () => {
  const config: GuardrailConfig = { ...DEFAULT_GUARDRAILS, subsets: ['v1', 'v2'], hysteresisPercent: 3 };
  const observations = [observation('v1', 20), observation('v2', 20)];
  const base = { proposal: { v1: 52, v2: 48 }, current: { v1: 50, v2: 50 }, observations, nowSeconds: 1000, state: {}, config };
  assert.equal(guard(base).weights, { v1: 50, v2: 50 });
  assert.is(guard(base).action, 'hold');
  assert.equal(guard({ ...base, proposal: { v1: 53, v2: 47 } }).weights, { v1: 53, v2: 47 });
});

test('fail-static: missing, empty or stale metrics leave the weights exactly as they are', () => {
  const config: GuardrailConfig = { ...DEFAULT_GUARDRAILS, subsets: ['v1', 'v2'], staleAfterSeconds: 60 };
  const current = { v1: 30, v2: 70 };
  const cases: SubsetObservation[][] = [
    [observation('v1', 20)],
    [observation('v1', 20), missingObservation('v2', 'no-data', 'no series', 10)],
    [observation('v1', 20), observation('v2', 20, 0, 100, 1000 - 61)],
    [observation('v1', 20), missingObservation('v2', 'stale', 'old', 10, 500)],
  ];
  for (const observations of cases) {
    const decision = guard({ proposal: { v1: 90, v2: 10 }, current, observations, nowSeconds: 1000, state: {}, config });
    assert.is(decision.action, 'fail-static');
    assert.equal(decision.weights, current);
    assert.match(decision.reason, /v2/);
  }
});

test('rollback: a subset that fails after being given more traffic goes back to the last good weights', () => {
  const config: GuardrailConfig = { ...DEFAULT_GUARDRAILS, subsets: ['v1', 'v2'], maxStepPercent: 25 };
  const healthy = [observation('v1', 20), observation('v2', 10)];
  const first = guard({ proposal: { v1: 10, v2: 90 }, current: { v1: 50, v2: 50 }, observations: healthy, nowSeconds: 1000, state: {}, config });
  assert.equal(first.weights, { v1: 25, v2: 75 }, 'step-limited move toward v2');
  assert.equal(first.state.lastGood, { v1: 50, v2: 50 });

  const spike = [observation('v1', 20), observation('v2', 10, 0.4)];
  const second = guard({ proposal: { v1: 20, v2: 80 }, current: first.weights, observations: spike, nowSeconds: 1010, state: first.state, config });
  assert.is(second.action, 'rollback');
  assert.equal(second.weights, { v1: 50, v2: 50 });
  assert.match(second.reason, /v2 error rate 40\.0%/);
});

test('a failing subset never gains weight, and rollback never adds traffic to it', () => {
  const config: GuardrailConfig = { ...DEFAULT_GUARDRAILS, subsets: ['v1', 'v2'], maxStepPercent: 25 };
  const spike = [observation('v1', 20), observation('v2', 1, 0.5)];
  // A latency-only proposal would push the fast failing v2 up.
  const decision = guard({ proposal: { v1: 10, v2: 90 }, current: { v1: 50, v2: 50 }, observations: spike, nowSeconds: 1000, state: { lastGood: { v1: 50, v2: 50 } }, config });
  assert.ok((decision.weights.v2 as number) <= 50, JSON.stringify(decision));
  // Already moving away from the failing subset: the move is kept rather than rolled back.
  const away = guard({ proposal: { v1: 90, v2: 10 }, current: { v1: 40, v2: 60 }, observations: spike, nowSeconds: 1000, state: { lastGood: { v1: 50, v2: 50 } }, config });
  assert.is(away.action, 'change');
  assert.equal(away.weights, { v1: 65, v2: 35 });
});

test('errors of a subset with too little traffic are not judged', () => {
  const config: GuardrailConfig = { ...DEFAULT_GUARDRAILS, subsets: ['v1', 'v2'], minRequestRateForErrors: 1 };
  const observations = [observation('v1', 20), observation('v2', 10, 1, 0.5)];
  const decision = guard({ proposal: { v1: 40, v2: 60 }, current: { v1: 50, v2: 50 }, observations, nowSeconds: 1000, state: { lastGood: { v1: 60, v2: 40 } }, config });
  assert.is(decision.action, 'change');
});

test('configuration problems are named', () => {
  const problems = guardrailConfigProblems({ ...DEFAULT_GUARDRAILS, subsets: ['v1', 'v1', 'v2'], floorPercent: 40, maxStepPercent: 0 });
  assert.ok(problems.some((p) => p.includes('distinct')));
  assert.ok(problems.some((p) => p.includes('exceeds 100%')));
  assert.ok(problems.some((p) => p.includes('max step')));
  assert.equal(guardrailConfigProblems({ ...DEFAULT_GUARDRAILS, subsets: ['v1', 'v2'] }), []);
});

test.run();
