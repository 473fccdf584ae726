// The hindsight search over weight schedules (the reference for a weights controller) and the
// Prequal-style probing balancer: its probe pool (hot-cold choice, ageing, reuse, round trip)
// and its behaviour in the simulator.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { composeSchedule, hindsightSearch, immediateActuation, option, scheduleFromWeights, scheduleRouting } from '../src/experiments/hindsight.ts';
import { findStrategy, HINDSIGHT } from '../src/experiments/strategies.ts';
import { runTask } from '../src/experiments/run-task.ts';
import { findScenario } from '../src/scenarios/index.ts';
import { simulate } from '../src/simulator/engine.ts';
import { LatencyHistogram } from '../src/simulator/latency-histogram.ts';
import type { SimulationModel } from '../src/simulator/model.ts';
import { ProbePool, type ProbePoolSettings } from '../src/simulator/probe-pool.ts';

const POOL: ProbePoolSettings = { poolSize: 4, maxAgeMs: 100, maxReuse: 2, hotQuantile: 0.5, probeRttMs: 1, rifHistory: 8 };
const anyPod = (): boolean => true;

test('probe pool: among cold replicas the lowest latency wins; a hot replica loses even when faster', () => {
  const pool = new ProbePool(POOL);
  // Recent RIFs 1, 2, 9: the median (hot threshold) is 2, so the replica at 9 is hot.
  pool.add(0, 9, 5, 0);
  pool.add(1, 2, 40, 0);
  pool.add(2, 1, 30, 0);
  assert.is(pool.hotThreshold(), 2);
  assert.is(pool.select(10, -1, anyPod), 2, 'cold and faster than the other cold one');
});

test('probe pool: when every usable replica is hot, the one with fewer requests in flight wins', () => {
  const pool = new ProbePool({ ...POOL, maxReuse: 5 });
  // History 0, 0, 0 then 7 and 5: the median is 0, so both probed replicas are hot.
  pool.add(3, 0, 1, 0);
  pool.add(3, 0, 1, 0);
  pool.add(3, 0, 1, 0);
  pool.add(0, 7, 1, 0);
  pool.add(1, 5, 50, 0);
  const notThree = (pod: number): boolean => pod !== 3;
  assert.is(pool.select(10, -1, notThree), 1, 'fewer requests in flight, though slower');
  // The chosen reply counts the request just sent: 6 vs 7, still replica 1; then 7 vs 7, the lower latency.
  assert.is(pool.select(10, -1, notThree), 1);
  assert.is(pool.select(10, -1, notThree), 0);
});

test('probe pool: a reply is unusable before its round trip, after its age limit, after its reuse limit, and never for the avoided host', () => {
  const pool = new ProbePool(POOL);
  pool.add(5, 0, 10, 100);
  assert.is(pool.select(100.5, -1, anyPod), -1, 'not back yet');
  assert.is(pool.select(101, 5, anyPod), -1, 'the retry avoids the previous host');
  assert.is(pool.select(101, -1, anyPod), 5);
  assert.is(pool.select(102, -1, anyPod), 5);
  assert.is(pool.select(103, -1, anyPod), -1, 'used twice (maxReuse 2): dropped');
  assert.is(pool.size, 0);
  pool.add(6, 0, 10, 200);
  assert.is(pool.select(299, -1, anyPod), 6);
  assert.is(pool.select(301, -1, anyPod), -1, 'older than 100 ms: dropped');
  assert.is(pool.size, 0);
});

test('probe pool: a full pool replaces its oldest reply', () => {
  const pool = new ProbePool({ ...POOL, poolSize: 2, hotQuantile: 1 });
  pool.add(0, 0, 1, 0);
  pool.add(1, 0, 2, 5);
  pool.add(2, 0, 3, 6);
  assert.is(pool.size, 2);
  // Pod 0 (the fastest) was the oldest and is gone: pod 1 is now the fastest.
  assert.is(pool.select(10, -1, anyPod), 1);
});

function shortened(name: string, seconds: number, seed: number): SimulationModel {
  const model = findScenario(name).build(seed);
  return { ...model, durationSeconds: seconds };
}

test('prequal in the simulator: probes as configured, more requests to the faster pods, a lower p99 than round robin on heterogeneous versions', () => {
  const scenario = findScenario('steady-heterogeneous');
  const model = shortened('steady-heterogeneous', 400, 7);
  const prequal = findStrategy('prequal');
  const probing = simulate(model, scenario.control, prequal.routing(scenario, ['v1', 'v2'], 7), 7);
  const rotating = simulate(model, scenario.control, findStrategy('round-robin').routing(scenario, ['v1', 'v2'], 7), 7);
  const settings = prequal.routing(scenario, ['v1', 'v2'], 7);
  assert.is(settings.kind, 'prequal');
  const perRequest = probing.probes / (probing.simulatedRequests + probing.retries);
  assert.ok(settings.kind === 'prequal' && Math.abs(perRequest - settings.probesPerRequest) < 0.05, `probes per attempt ${perRequest}`);
  assert.ok(probing.latencyMs.p99 < rotating.latencyMs.p99, `prequal ${probing.latencyMs.p99} vs round-robin ${rotating.latencyMs.p99}`);
  const share = (r: typeof probing): number => r.slices.reduce((s, x) => s + (x.shares.v2 ?? 0) * x.requests, 0) / r.slices.reduce((s, x) => s + x.requests, 0);
  assert.ok(share(probing) > share(rotating) + 0.05, `v2 (faster) share ${share(probing)} vs ${share(rotating)}`);
});

test('a schedule is applied per interval, at once to every proxy', () => {
  const scenario = findScenario('identical');
  const model = shortened('identical', 120, 3);
  const result = simulate(model, immediateActuation(scenario.control), scheduleRouting(['v1', 'v2'], [20, 70, 100, 0], 30), 3);
  const v1 = result.weightsPerSecond.v1 ?? [];
  assert.equal([v1[0], v1[29], v1[30], v1[59], v1[60], v1[90], v1[119]], [20, 20, 70, 70, 100, 0, 0]);
  assert.equal(scheduleFromWeights(v1, 30, 4), [20, 70, 100, 0]);
});

test('the composition is exact on the surrogate: the best option per interval for the threshold that gives the lowest p99', () => {
  const hist = (values: number[]): LatencyHistogram => {
    const h = new LatencyHistogram(3);
    for (const v of values) h.add(v);
    return h;
  };
  const fill = (n: number, ms: number): number[] => Array<number>(n).fill(ms);
  // Interval 0: weight 10 is good (all at 10 ms), weight 90 has a tail at 500 ms.
  // Interval 1: the other way round. The best composition takes 10 then 90.
  const good = hist(fill(100, 10));
  const bad = hist([...fill(90, 10), ...fill(10, 500)]);
  const composed = composeSchedule([
    [option(10, good), option(90, bad)],
    [option(10, bad), option(90, good)],
  ]);
  assert.equal(composed.schedule, [10, 90]);
  assert.ok(composed.p99 < 20, `surrogate p99 ${composed.p99}`);
});

test('the hindsight schedule is never worse than static 50/50 or any constant schedule of its grid on the same seed', () => {
  for (const [name, seed] of [
    ['degradation', 11],
    ['fast-failing', 12],
  ] as const) {
    const scenario = findScenario(name);
    const model = shortened(name, name === 'degradation' ? 900 : 400, seed);
    const staticRun = simulate(model, scenario.control, findStrategy('static').routing(scenario, ['v1', 'v2'], seed), seed);
    const search = hindsightSearch(model, scenario.control, seed, ['v1', 'v2'], { grid: [0, 30, 50, 70, 100], refinements: 1 });
    assert.ok(search.result.latencyMs.p99 <= staticRun.latencyMs.p99, `${name}: hindsight ${search.result.latencyMs.p99} vs static ${staticRun.latencyMs.p99}`);
    for (const weight of [0, 30, 70, 100]) {
      const fixed = simulate(model, immediateActuation(scenario.control), scheduleRouting(['v1', 'v2'], [weight], scenario.control.intervalSeconds), seed);
      assert.ok(search.result.latencyMs.p99 <= fixed.latencyMs.p99, `${name}: hindsight ${search.result.latencyMs.p99} vs constant ${weight}: ${fixed.latencyMs.p99}`);
    }
    assert.ok(search.simulations >= 5 && search.simulations <= 5 + 2, `simulations ${search.simulations}`);
    assert.is(search.schedule.length, Math.ceil(model.durationSeconds / scenario.control.intervalSeconds));
  }
});

test('the hindsight strategy beats the candidate controller it warm-starts from, at the cost of more simulations', () => {
  const task = { scenario: 'degradation', seed: 21, keepTimeline: false } as const;
  const bound = runTask({ ...task, strategy: 'hindsight-weights' });
  const candidate = runTask({ ...task, strategy: 'capacity-aware' });
  assert.ok(bound.latencyMs.p99 <= candidate.latencyMs.p99, `hindsight ${bound.latencyMs.p99} vs capacity-aware ${candidate.latencyMs.p99}`);
  assert.ok(bound.simulations >= HINDSIGHT.grid.length + 2, `simulations ${bound.simulations}`);
  assert.is(candidate.simulations, 1);
});

test.run();
