// Each policy on crafted observations, and on the simulator's fixed scenarios: weight moves
// toward the faster subset, and an error costs what a retry costs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { observationFromTotals, type SubsetObservation } from '../src/core/observations.ts';
import type { Weights } from '../src/core/weights.ts';
import { controlStep } from '../src/controller/control-step.ts';
import { guardrailsFor } from '../src/experiments/strategies.ts';
import type { GuardState } from '../src/guardrails.ts';
import { POLICIES, findPolicy } from '../src/policies/index.ts';
import { requestCostMs } from '../src/policies/scoring.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { simulate } from '../src/simulator/engine.ts';

const SUBSETS = ['v1', 'v2'];
const ADAPTIVE = POLICIES.filter((p) => p.adaptive);

function observation(subset: string, meanMs: number, errorRate = 0, pods = 4, tailFactor = 5): SubsetObservation {
  const requests = 1000;
  return observationFromTotals(subset, 10, 100, {
    requests,
    errors: requests * errorRate,
    latencySumMs: requests * meanMs,
    buckets: [
      { le: meanMs, count: 600 },
      { le: meanMs * tailFactor, count: requests },
      { le: Infinity, count: requests },
    ],
    pods,
  });
}

/** Runs a policy through the guard rails for `steps` decisions on fixed observations. */
function steer(name: string, observations: SubsetObservation[], steps: number, start: Weights = { v1: 50, v2: 50 }): Weights {
  const policy = findPolicy(name).create({ subsets: SUBSETS, seed: 7 });
  const config = guardrailsFor(SUBSETS);
  let current = start;
  let state: GuardState = {};
  for (let i = 0; i < steps; i++) {
    const step = controlStep({ policy, observations, current, nowSeconds: 100 + i * 10, state, config });
    current = step.weights;
    state = step.state;
  }
  return current;
}

test('the registry lists each policy once and names the known ones on a typo', () => {
  const names = POLICIES.map((p) => p.name);
  assert.equal(new Set(names).size, names.length);
  for (const expected of ['static', 'equal-split', 'inverse-latency', 'ewma-latency', 'ucb', 'thompson']) assert.ok(names.includes(expected), expected);
  assert.throws(() => findPolicy('round-robin'), /unknown policy 'round-robin' \(known: static, equal-split/);
});

test('capacity-aware weighs pods: equal latency, half the pods -> about a third of the traffic; tail-quantile weighs the tail', () => {
  const halved = steer('capacity-aware', [observation('v1', 20, 0, 4), observation('v2', 20, 0, 2)], 8);
  // Converges geometrically until the 3-point hysteresis stops it short of 33.
  assert.ok((halved.v2 as number) >= 33 && (halved.v2 as number) <= 38, JSON.stringify(halved));
  // Same mean, v2's tail four times longer: tail-quantile moves away from v2, capacity-aware does not.
  const tails = [observation('v1', 20, 0, 4, 2), observation('v2', 20, 0, 4, 8)];
  const byTail = steer('tail-quantile', tails, 8);
  assert.ok((byTail.v2 as number) < 35, JSON.stringify(byTail));
  assert.equal(steer('capacity-aware', tails, 8), { v1: 50, v2: 50 });
});

test('the cost of a request under Istio retries: an attempt each, the mean back-offs, the penalty when all three fail; flat costs every error at the penalty', () => {
  const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;
  assert.ok(close(requestCostMs(10, 0, 1000, 'retry-aware'), 10));
  // Three attempts, back-offs of 12.5 and 37.5 ms on average, then lost.
  assert.ok(close(requestCostMs(10, 1, 1000, 'retry-aware'), 30 + 12.5 + 37.5 + 1000));
  const e = 0.2;
  assert.ok(close(requestCostMs(10, e, 1000, 'retry-aware'), 10 * (1 + e + e * e) + 12.5 * e + 37.5 * e * e + 1000 * e ** 3));
  assert.ok(close(requestCostMs(10, e, 1000, 'flat'), 0.8 * 10 + 0.2 * 1000));
});

test('static keeps the weights in effect; equal-split splits evenly', () => {
  assert.equal(steer('static', [observation('v1', 50), observation('v2', 5)], 5, { v1: 70, v2: 30 }), { v1: 70, v2: 30 });
  assert.equal(steer('equal-split', [observation('v1', 50), observation('v2', 5)], 5, { v1: 70, v2: 30 }), { v1: 50, v2: 50 });
});

for (const policy of ADAPTIVE) {
  test(`${policy.name}: moves weight toward the faster subset`, () => {
    const result = steer(policy.name, [observation('v1', 40), observation('v2', 10)], 6);
    assert.ok((result.v2 as number) >= 70, `v2 should get most traffic, got ${JSON.stringify(result)}`);
    const mirrored = steer(policy.name, [observation('v1', 10), observation('v2', 40)], 6);
    assert.ok((mirrored.v1 as number) >= 70, `v1 should get most traffic, got ${JSON.stringify(mirrored)}`);
  });

  test(`${policy.name}: an error costs a retry inside the subset: failing 15% loses weight against an equal subset, not against a 10x slower one`, () => {
    // 15% 503s is below the guard rails' 20% threshold, so this is the policy's own judgement.
    // Istio retries them (2 retries), so a request is lost only when all three attempts fail.
    const equal = steer(policy.name, [observation('v1', 20), observation('v2', 20, 0.15)], 6);
    assert.ok((equal.v2 as number) < 50, `v2 should lose weight, got ${JSON.stringify(equal)}`);
    const fast = steer(policy.name, [observation('v1', 20), observation('v2', 2, 0.15)], 6);
    assert.ok((fast.v2 as number) > 50, `v2 should keep more than half, got ${JSON.stringify(fast)}`);
  });

  test(`${policy.name}: on the steady-heterogeneous scenario, the faster v2 gets more than half the traffic`, () => {
    const scenario = findScenario('steady-heterogeneous');
    const instance = policy.create({ subsets: SUBSETS, seed: 1 });
    const config = guardrailsFor(SUBSETS);
    let state: GuardState = {};
    const result = simulate(scenario.build(1), scenario.control, {
      kind: 'subset-weights',
      initialWeights: { v1: 50, v2: 50 },
      onControl: (view) => {
        const step = controlStep({ policy: instance, observations: view.observations, current: view.current, nowSeconds: view.nowSeconds, state, config });
        state = step.state;
        return { weights: step.weights, action: step.action };
      },
    }, 1);
    const v2 = result.weightsPerSecond.v2 ?? [];
    const secondHalf = v2.slice(v2.length / 2);
    const mean = secondHalf.reduce((a, b) => a + b, 0) / secondHalf.length;
    assert.ok(mean > 52, `mean v2 weight ${mean.toFixed(1)}`);
  });
}

test('thompson is reproducible for a seed', () => {
  const observations = [observation('v1', 20), observation('v2', 19)];
  const run = (seed: number): Weights[] => {
    const policy = findPolicy('thompson').create({ subsets: SUBSETS, seed });
    return [1, 2, 3].map((i) => policy.decide(observations, { v1: 50, v2: 50 }, i * 10));
  };
  assert.equal(run(3), run(3));
  assert.not.equal(run(3), run(4));
});

test.run();
