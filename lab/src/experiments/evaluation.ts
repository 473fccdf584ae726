// The numbers of the evaluation protocol, from the runs of one scenario set: p99 per strategy
// and scenario (geometric mean over seeds with its interval), ratios paired by seed, the
// geometric mean over scenarios, the goals, and the headline line.
import type { Scenario } from '../scenarios/index.ts';
import { formatInterval, geomeanInterval, geomeanRatio, pairedRatio, type RatioInterval } from '../protocol/paired.ts';
import type { TaskResult } from './run-task.ts';

export interface Evaluation {
  readonly scenarios: readonly Scenario[];
  readonly strategies: readonly string[];
  readonly seeds: readonly number[];
  /** p99 (ms) of [scenario][strategy], one per seed in `seeds` order. */
  readonly p99: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;
  readonly errorRate: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;
}

export function evaluation(scenarios: readonly Scenario[], strategies: readonly string[], seeds: readonly number[], runs: readonly TaskResult[]): Evaluation {
  const p99 = new Map<string, Map<string, number[]>>();
  const errorRate = new Map<string, Map<string, number[]>>();
  for (const scenario of scenarios) {
    const p = new Map<string, number[]>();
    const e = new Map<string, number[]>();
    for (const strategy of strategies) {
      const mine = seeds.map((seed) => {
        const run = runs.find((r) => r.task.scenario === scenario.name && r.task.strategy === strategy && r.task.seed === seed && r.task.maxStepPercent === undefined);
        if (!run) throw new Error(`no run of ${strategy} on ${scenario.name} with seed ${seed}`);
        return run;
      });
      p.set(strategy, mine.map((r) => r.latencyMs.p99));
      e.set(strategy, mine.map((r) => r.errorRate));
    }
    p99.set(scenario.name, p);
    errorRate.set(scenario.name, e);
  }
  return { scenarios, strategies, seeds, p99, errorRate };
}

const values = (table: Evaluation['p99'], scenario: string, strategy: string): readonly number[] => {
  const found = table.get(scenario)?.get(strategy);
  if (!found) throw new Error(`no values for ${strategy} on ${scenario}`);
  return found;
};

export function p99Of(e: Evaluation, scenario: string, strategy: string): RatioInterval {
  return geomeanInterval(values(e.p99, scenario, strategy));
}

export function ratioOn(e: Evaluation, scenario: string, a: string, b: string): RatioInterval {
  return pairedRatio(values(e.p99, scenario, a), values(e.p99, scenario, b));
}

export function geomeanOver(e: Evaluation, a: string, b: string, scenarios: readonly Scenario[] = e.scenarios): RatioInterval {
  return geomeanRatio(scenarios.map((s) => ({ a: values(e.p99, s.name, a), b: values(e.p99, s.name, b) })));
}

export function meanErrorRate(e: Evaluation, scenario: string, strategy: string): number {
  const v = values(e.errorRate, scenario, strategy);
  return v.reduce((sum, x) => sum + x, 0) / v.length;
}

/** Scenarios on which a's p99 is below b's with 95% confidence (the interval's top below 1). */
export function beatsWithConfidence(e: Evaluation, a: string, b: string, scenarios: readonly Scenario[] = e.scenarios): Scenario[] {
  return scenarios.filter((s) => ratioOn(e, s.name, a, b).hi < 1);
}

export function headlineLine(set: string, e: Evaluation, best: string): string {
  const vsStatic = geomeanOver(e, best, 'static');
  const vsLeastRequest = geomeanOver(e, best, 'least-request');
  const wins = beatsWithConfidence(e, best, 'static').length;
  return `${set}: best/static p99 geomean=${formatInterval(vsStatic)}, best/least-request geomean=${formatInterval(vsLeastRequest)}, beats static on ${wins}/${e.scenarios.length}, seeds=${e.seeds.length}`;
}

export interface Goal {
  readonly goal: string;
  readonly measured: string;
  readonly met: boolean;
}

/** The lab's goals for the deployable controller and the per-request policy (lab/README.md). */
export function goals(e: Evaluation, controller: string, perRequest: string | undefined): Goal[] {
  const result: Goal[] = [];
  const tagged = (tag: 'static-optimal' | 'persistent-heterogeneity'): Scenario[] => e.scenarios.filter((s) => s.tags?.includes(tag));
  const vsStatic = geomeanOver(e, controller, 'static');
  result.push({ goal: `${controller}: geomean p99 <= 0.70x static`, measured: formatInterval(vsStatic), met: vsStatic.ratio <= 0.7 });
  const notOptimal = e.scenarios.filter((s) => !s.tags?.includes('static-optimal'));
  const beaten = beatsWithConfidence(e, controller, 'static', notOptimal);
  result.push({
    goal: `${controller}: beats static with confidence wherever static is not optimal`,
    measured: `${beaten.length}/${notOptimal.length}${beaten.length < notOptimal.length ? ` (not on ${notOptimal.filter((s) => !beaten.includes(s)).map((s) => s.name).join(', ')})` : ''}`,
    met: beaten.length === notOptimal.length,
  });
  for (const s of tagged('static-optimal')) {
    const r = ratioOn(e, s.name, controller, 'static');
    result.push({ goal: `${controller}: <= 1.05x static on ${s.name} (static optimal)`, measured: formatInterval(r), met: r.ratio <= 1.05 });
  }
  for (const s of tagged('persistent-heterogeneity')) {
    const r = ratioOn(e, s.name, controller, 'least-request');
    result.push({ goal: `${controller}: <= 0.80x least-request on ${s.name} (persistent heterogeneity)`, measured: formatInterval(r), met: r.ratio <= 0.8 });
  }
  const vsLr = geomeanOver(e, controller, 'least-request');
  result.push({ goal: `${controller}: geomean p99 <= 1.0x least-request`, measured: formatInterval(vsLr), met: vsLr.ratio <= 1 });
  if (perRequest && e.strategies.includes(perRequest)) {
    const g = geomeanOver(e, perRequest, 'least-request');
    result.push({ goal: `${perRequest}: geomean p99 <= 0.85x least-request`, measured: formatInterval(g), met: g.ratio <= 0.85 });
    const worst = e.scenarios.map((s) => ({ s, r: ratioOn(e, s.name, perRequest, 'least-request') })).sort((a, b) => b.r.ratio - a.r.ratio)[0];
    if (worst) {
      result.push({ goal: `${perRequest}: no scenario above 1.05x least-request`, measured: `worst ${worst.s.name} ${formatInterval(worst.r)}`, met: worst.r.ratio <= 1.05 });
    }
    const more = e.scenarios.filter((s) => meanErrorRate(e, s.name, perRequest) > meanErrorRate(e, s.name, 'least-request') * 1.05 + 1e-5);
    result.push({ goal: `${perRequest}: no more errors than least-request`, measured: more.length ? `more on ${more.map((s) => s.name).join(', ')}` : 'never more', met: more.length === 0 });
  }
  return result;
}
