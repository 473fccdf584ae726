// The headline comparison: the best adaptive policy against static 50/50, least-request and
// the oracle, and whether the lab's targets are met.
import type { Aggregate } from './aggregate.ts';
import { findStrategy } from './strategies.ts';

export const TARGETS = { vsStatic: 0.7, vsLeastRequest: 0.9, vsOracle: 1.15, reactionIntervals: 3 } as const;

export interface Headline {
  readonly best: Aggregate;
  readonly vsStatic: number;
  readonly vsLeastRequest: number;
  readonly vsOracle: number;
}

const byName = (aggregates: readonly Aggregate[], name: string): Aggregate => {
  const found = aggregates.find((a) => a.strategy === name);
  if (!found) throw new Error(`no results for ${name}`);
  return found;
};

/** The adaptive policy (not a baseline) with the lowest mean p99. */
export function bestPolicy(aggregates: readonly Aggregate[]): Aggregate {
  const policies = aggregates.filter((a) => findStrategy(a.strategy).kind === 'policy');
  const best = policies.reduce<Aggregate | undefined>((b, a) => (!b || a.p99.mean < b.p99.mean ? a : b), undefined);
  if (!best) throw new Error('no adaptive policy in the results');
  return best;
}

export function headline(aggregates: readonly Aggregate[]): Headline {
  const best = bestPolicy(aggregates);
  return {
    best,
    vsStatic: best.p99.mean / byName(aggregates, 'static').p99.mean,
    vsLeastRequest: best.p99.mean / byName(aggregates, 'least-request').p99.mean,
    vsOracle: best.p99.mean / byName(aggregates, 'oracle').p99.mean,
  };
}

export function headlineLine(h: Headline): string {
  return `best p99 vs static: ${h.vsStatic.toFixed(2)}, vs least-request: ${h.vsLeastRequest.toFixed(2)}`;
}
