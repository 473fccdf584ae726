// `npm run bench:lab`: simulator speed on one core (this thread), on an hour of simulated
// traffic at 1,000 requests/s, with the ewma-latency policy in the loop; side by side, the
// same hour routed by least-request (no control loop). Last line: `simulated requests per second: N`.
import { findScenario } from './scenarios/index.ts';
import { simulate } from './simulator/engine.ts';
import type { SimulationModel } from './simulator/model.ts';
import { findStrategy } from './experiments/strategies.ts';

const TARGET = 1_000_000;
const scenario = findScenario('degradation');

function hourAt1000(seed: number): SimulationModel {
  const model = scenario.build(seed);
  return {
    ...model,
    durationSeconds: 3600,
    arrivals: { kind: 'poisson', ratePerSecond: 1000 },
    subsets: model.subsets.map((subset) => ({ ...subset, pods: 8, podSpeedFactors: [0.9, 1, 1, 1.1, 0.95, 1.05, 1, 1] })),
  };
}

function measure(strategyName: string, seed: number): { rate: number; seconds: number; requests: number } {
  const model = hourAt1000(seed);
  const strategy = findStrategy(strategyName);
  const started = performance.now();
  const result = simulate(model, scenario.control, strategy.routing(scenario, model.subsets.map((s) => s.name), seed), seed);
  const seconds = (performance.now() - started) / 1000;
  return { rate: result.simulatedRequests / seconds, seconds, requests: result.simulatedRequests };
}

// Warm-up (JIT), then the best of three runs of each.
measure('ewma-latency', 99);
const best = (name: string): ReturnType<typeof measure> =>
  [1, 2, 3].map((seed) => measure(name, seed)).reduce((a, b) => (b.rate > a.rate ? b : a));
const withPolicy = best('ewma-latency');
const baseline = best('least-request');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(`one simulated hour at 1,000 req/s (${fmt(withPolicy.requests)} requests), best of 3:`);
console.log(`  ewma-latency policy in the loop: ${withPolicy.seconds.toFixed(2)} s wall, ${fmt(withPolicy.rate)} req/s`);
console.log(`  least-request, no control loop:  ${baseline.seconds.toFixed(2)} s wall, ${fmt(baseline.rate)} req/s`);
console.log(`  control-loop overhead: ${(baseline.rate / withPolicy.rate).toFixed(2)}x; vs the 1,000,000 req/s target: ${(withPolicy.rate / TARGET).toFixed(2)}x`);
console.log(`simulated requests per second: ${Math.round(withPolicy.rate)}`);
