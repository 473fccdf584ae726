// Markdown reports and SVG plots of the experiments, one folder per scenario.
import type { Scenario } from '../scenarios/index.ts';
import type { ControlSettings } from '../simulator/model.ts';
import { SLICE_SECONDS } from '../simulator/engine.ts';
import type { GuardrailConfig } from '../guardrails.ts';
import type { Aggregate, ReactionStat, Stat } from './aggregate.ts';
import { REACTION_POINTS } from './reaction.ts';
import { SETTLE_SECONDS, type TaskResult } from './run-task.ts';
import { formatInterval } from '../protocol/paired.ts';
import { ratioOn, type Evaluation } from './evaluation.ts';
import { findStrategy } from './strategies.ts';
import { barChart, lineChart, type Series } from './svg.ts';

export interface ReportFile {
  readonly path: string;
  readonly content: string;
}

export interface RunSettings {
  readonly seeds: readonly number[];
  readonly guardrails: Omit<GuardrailConfig, 'subsets'>;
}

const ms = (s: Stat): string => (Number.isFinite(s.mean) ? `${s.mean.toFixed(1)} ± ${s.sd.toFixed(1)}` : '—');
const pct = (s: Stat): string => `${(s.mean * 100).toFixed(2)}%`;
const controlText = (c: ControlSettings): string =>
  `a decision every ${c.intervalSeconds} s on the last ${c.windowSeconds} s of metrics, applied ${c.actuationDelaySeconds} s later`;

function reactionText(r: ReactionStat | undefined, intervalSeconds: number): string {
  if (!r) return '—';
  if (r.reacted === 0) return 'none';
  const text = `${r.meanSeconds.toFixed(1)} s (${(r.meanSeconds / intervalSeconds).toFixed(1)} int.)`;
  return r.reacted < r.runs ? `${text}, ${r.reacted}/${r.runs} runs` : text;
}

function decisionsText(a: Aggregate): string {
  const entries = Object.entries(a.decisions).filter(([, n]) => n > 0);
  return entries.length ? entries.map(([action, n]) => `${action} ${n.toFixed(1)}`).join(', ') : '—';
}

function resultsTable(scenario: Scenario, aggregates: readonly Aggregate[]): string[] {
  const settled = scenario.changes.length > 0;
  const changeHeads = scenario.changes.map((c) => `reaction: ${c.label}`);
  const heads = ['strategy', 'kind', 'p50 ms', 'p95 ms', 'p99 ms', ...(settled ? [`p99 settled ms`] : []), 'mean ms', 'errors', ...changeHeads, 'decisions per run'];
  const lines = [`| ${heads.join(' | ')} |`, `|${heads.map(() => '---').join('|')}|`];
  for (const a of aggregates) {
    const strategy = findStrategy(a.strategy);
    const reactions = scenario.changes.map((_, i) => reactionText(a.reactions[i], scenario.control.intervalSeconds));
    lines.push(
      `| ${[a.strategy, strategy.kind, ms(a.p50), ms(a.p95), ms(a.p99), ...(settled ? [ms(a.settledP99)] : []), ms(a.mean), pct(a.errorRate), ...reactions, decisionsText(a)].join(' | ')} |`,
    );
  }
  return lines;
}

function weightsPlot(scenario: Scenario, timelines: readonly TaskResult[]): string {
  const subset = scenario.changes[0]?.subset ?? 'v2';
  const series: Series[] = [];
  for (const run of timelines) {
    const weights = run.weightsPerSecond?.[subset] ?? [];
    if (weights.length > 0) {
      series.push({ name: run.task.strategy, points: weights.map((w, second) => [second, w] as const) });
    } else if (run.slices) {
      series.push({
        name: `${run.task.strategy} (share)`,
        dashed: true,
        points: run.slices.map((s) => [s.startSeconds + SLICE_SECONDS / 2, (s.shares[subset] ?? NaN) * 100] as const),
      });
    }
  }
  return lineChart({
    title: `${scenario.title}: weight of ${subset} (seed ${timelines[0]?.task.seed ?? '?'})`,
    xLabel: 'simulated time (s)',
    yLabel: `${subset} weight (%)`,
    series,
    markers: scenario.changes.map((c) => ({ x: c.atSeconds, label: c.label })),
    yMin: 0,
    yMax: 100,
  });
}

function latencyOverTimePlot(scenario: Scenario, timelines: readonly TaskResult[]): string {
  const shown = timelines.filter((run) => run.task.strategy !== 'equal-split' && run.task.strategy !== 'least-request-1proxy');
  return lineChart({
    title: `${scenario.title}: p99 per ${SLICE_SECONDS} s (seed ${timelines[0]?.task.seed ?? '?'})`,
    xLabel: 'simulated time (s)',
    yLabel: 'p99 latency (ms, log)',
    yLog: true,
    series: shown.map((run) => ({
      name: run.task.strategy,
      points: (run.slices ?? []).map((s) => [s.startSeconds + SLICE_SECONDS / 2, s.p99] as const),
    })),
    markers: scenario.changes.map((c) => ({ x: c.atSeconds, label: c.label })),
  });
}

function percentilesPlot(scenario: Scenario, aggregates: readonly Aggregate[]): string {
  return barChart({
    title: `${scenario.title}: latency percentiles (mean over seeds)`,
    yLabel: 'latency (ms, log)',
    yLog: true,
    categories: aggregates.map((a) => a.strategy),
    series: [
      { name: 'p50', values: aggregates.map((a) => a.p50.mean) },
      { name: 'p95', values: aggregates.map((a) => a.p95.mean) },
      { name: 'p99', values: aggregates.map((a) => a.p99.mean) },
    ],
  });
}

export function scenarioReport(
  scenario: Scenario,
  aggregates: readonly Aggregate[],
  timelines: readonly TaskResult[],
  settings: RunSettings,
  e: Evaluation,
): ReportFile[] {
  const dir = scenario.name;
  const g = settings.guardrails;
  const markdown = [
    `# ${scenario.title}`,
    '',
    scenario.description,
    '',
    `- Seeds: ${settings.seeds.join(', ')} (tables: mean ± standard deviation over seeds; plots: seed ${settings.seeds[0]}).`,
    `- Control: ${controlText(scenario.control)}.`,
    `- Guard rails (every policy): floor ${g.floorPercent}%, max step ${g.maxStepPercent} points, hysteresis ${g.hysteresisPercent} points, rollback/no-growth above ${(g.errorRateThreshold * 100).toFixed(0)}% errors, fail-static on missing metrics.`,
    `- Latency percentiles are over every request after the warm-up, failures included (at their latency); errors are 503s (fast failures and queue overflows).`,
    `- Reaction: time from the change until the weight of the subset concerned moved ${REACTION_POINTS} points the right way (as applied).`,
    ...(scenario.changes.length > 0
      ? [`- p99 settled: p99 of the requests outside the ${SETTLE_SECONDS} s that follow each change (the transient left out; ${SLICE_SECONDS} s slices, 8% bins).`]
      : []),
    '',
    '## Results',
    '',
    ...resultsTable(scenario, aggregates),
    '',
    '## Ratios of p99 (geometric mean over seeds, paired 95% interval; lower is better)',
    '',
    '| strategy | / static | / least-request |',
    '|---|---|---|',
    ...e.strategies.map((name) => `| ${name} | ${formatInterval(ratioOn(e, scenario.name, name, 'static'))} | ${formatInterval(ratioOn(e, scenario.name, name, 'least-request'))} |`),
    '',
    '## Plots',
    '',
    '![weights over time](weights.svg)',
    '',
    '![p99 over time](latency-over-time.svg)',
    '',
    '![latency percentiles](percentiles.svg)',
    '',
    '## Strategies',
    '',
    ...aggregates.map((a) => `- **${a.strategy}** (${findStrategy(a.strategy).kind}): ${findStrategy(a.strategy).summary}.`),
    '',
  ].join('\n');
  return [
    { path: `${dir}/report.md`, content: markdown },
    { path: `${dir}/weights.svg`, content: weightsPlot(scenario, timelines) },
    { path: `${dir}/latency-over-time.svg`, content: latencyOverTimePlot(scenario, timelines) },
    { path: `${dir}/percentiles.svg`, content: percentilesPlot(scenario, aggregates) },
  ];
}

