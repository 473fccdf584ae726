// Scores over seeds: mean and standard deviation of each figure, reactions, decisions.
import type { TaskResult } from './run-task.ts';

export interface Stat {
  readonly mean: number;
  readonly sd: number;
}

export interface ReactionStat {
  /** Mean over the seeds that reacted; NaN when none did. */
  readonly meanSeconds: number;
  readonly reacted: number;
  readonly runs: number;
}

export interface Aggregate {
  readonly scenario: string;
  readonly strategy: string;
  readonly seeds: number;
  readonly p50: Stat;
  readonly p95: Stat;
  readonly p99: Stat;
  readonly settledP99: Stat;
  readonly mean: Stat;
  readonly errorRate: Stat;
  /** One per scenario change; empty for strategies without weights. */
  readonly reactions: readonly ReactionStat[];
  /** Mean count per run of each decision (change, hold, rollback, fail-static). */
  readonly decisions: Readonly<Record<string, number>>;
  readonly simulatedRequests: number;
  readonly wallMs: number;
}

export function stat(values: readonly number[]): Stat {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { mean: NaN, sd: NaN };
  const mean = finite.reduce((sum, v) => sum + v, 0) / finite.length;
  const variance = finite.length > 1 ? finite.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (finite.length - 1) : 0;
  return { mean, sd: Math.sqrt(variance) };
}

/** Aggregates runs of one scenario and strategy (several seeds). */
export function aggregate(runs: readonly TaskResult[]): Aggregate {
  const first = runs[0];
  if (!first) throw new Error('nothing to aggregate');
  const changeCount = Math.max(0, ...runs.map((r) => r.reactions.length));
  const reactions: ReactionStat[] = Array.from({ length: changeCount }, (_, i) => {
    const values = runs.map((r) => r.reactions[i]).filter((v): v is number => typeof v === 'number');
    return { meanSeconds: values.length ? stat(values).mean : NaN, reacted: values.length, runs: runs.length };
  });
  const decisions: Record<string, number> = {};
  for (const run of runs) {
    for (const [action, count] of Object.entries(run.decisions)) decisions[action] = (decisions[action] ?? 0) + count / runs.length;
  }
  return {
    scenario: first.task.scenario,
    strategy: first.task.strategy,
    seeds: runs.length,
    p50: stat(runs.map((r) => r.latencyMs.p50)),
    p95: stat(runs.map((r) => r.latencyMs.p95)),
    p99: stat(runs.map((r) => r.latencyMs.p99)),
    settledP99: stat(runs.map((r) => r.settledP99)),
    mean: stat(runs.map((r) => r.latencyMs.mean)),
    errorRate: stat(runs.map((r) => r.errorRate)),
    reactions,
    decisions,
    simulatedRequests: runs.reduce((sum, r) => sum + r.simulatedRequests, 0),
    wallMs: runs.reduce((sum, r) => sum + r.wallMs, 0),
  };
}

/** Groups results by a key, keeping first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
