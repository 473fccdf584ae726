// Markdown reports and SVG plots of the experiments, one folder per scenario.
import type { Scenario } from '../scenarios/index.ts';
import type { ControlSettings } from '../simulator/model.ts';
import { SLICE_SECONDS } from '../simulator/engine.ts';
import type { GuardrailConfig } from '../guardrails.ts';
import type { Aggregate, ReactionStat, Stat } from './aggregate.ts';
import { REACTION_POINTS } from './reaction.ts';
import { SETTLE_SECONDS, type TaskResult } from './run-task.ts';
import { headline, TARGETS, type Headline } from './scoreboard.ts';
import { findStrategy } from './strategies.ts';
import { barChart, lineChart, type Series } from './svg.ts';

export interface ReportFile {
  readonly path: string;
  readonly content: string;
}

export interface SensitivityRow {
  readonly control: ControlSettings;
  readonly aggregates: readonly Aggregate[];
}

export interface RunSettings {
  readonly seeds: readonly number[];
  readonly guardrails: Omit<GuardrailConfig, 'subsets'>;
}

const ms = (s: Stat): string => (Number.isFinite(s.mean) ? `${s.mean.toFixed(1)} ± ${s.sd.toFixed(1)}` : '—');
const pct = (s: Stat): string => `${(s.mean * 100).toFixed(2)}%`;
const ratio = (value: number): string => (Number.isFinite(value) ? value.toFixed(2) : '—');
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

function ratioTable(scenario: Scenario, aggregates: readonly Aggregate[]): string[] {
  const p99Of = (name: string): number => aggregates.find((a) => a.strategy === name)?.p99.mean ?? NaN;
  const settledOf = (name: string): number => aggregates.find((a) => a.strategy === name)?.settledP99.mean ?? NaN;
  const settled = scenario.changes.length > 0;
  const heads = ['policy', 'p99 / static', 'p99 / least-request', 'p99 / oracle', 'p99 / oracle-delayed', ...(settled ? ['settled p99 / least-request'] : [])];
  const lines = [`| ${heads.join(' | ')} |`, `|${heads.map(() => '---').join('|')}|`];
  for (const a of aggregates.filter((x) => findStrategy(x.strategy).kind === 'policy')) {
    const p = a.p99.mean;
    const cells = [a.strategy, ratio(p / p99Of('static')), ratio(p / p99Of('least-request')), ratio(p / p99Of('oracle')), ratio(p / p99Of('oracle-delayed'))];
    if (settled) cells.push(ratio(a.settledP99.mean / settledOf('least-request')));
    lines.push(`| ${cells.join(' | ')} |`);
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

function sensitivitySection(rows: readonly SensitivityRow[]): string[] {
  if (rows.length === 0) return [];
  const strategies = rows[0]?.aggregates.map((a) => a.strategy) ?? [];
  const lines = [
    '## Sensitivity to the control interval',
    '',
    'The same scenario and seeds with other control timings (p99 ms, mean over seeds). Least-request does not depend on it.',
    '',
    `| interval / window | ${strategies.join(' | ')} |`,
    `|---|${strategies.map(() => '---').join('|')}|`,
  ];
  for (const row of rows) {
    const cells = strategies.map((name) => {
      const a = row.aggregates.find((x) => x.strategy === name);
      return a ? a.p99.mean.toFixed(1) : '—';
    });
    lines.push(`| ${row.control.intervalSeconds} s / ${row.control.windowSeconds} s | ${cells.join(' | ')} |`);
  }
  return [...lines, ''];
}

export function scenarioReport(
  scenario: Scenario,
  aggregates: readonly Aggregate[],
  timelines: readonly TaskResult[],
  settings: RunSettings,
  sensitivity: readonly SensitivityRow[] = [],
): ReportFile[] {
  const dir = scenario.name;
  const g = settings.guardrails;
  const h = headline(aggregates);
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
    '## Ratios (p99, lower is better)',
    '',
    ...ratioTable(scenario, aggregates),
    '',
    `Best adaptive policy here: **${h.best.strategy}** (p99 ${h.best.p99.mean.toFixed(1)} ms): ${ratio(h.vsStatic)}x static, ${ratio(h.vsLeastRequest)}x least-request, ${ratio(h.vsOracle)}x oracle.`,
    '',
    ...sensitivitySection(sensitivity),
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

function verdict(h: Headline, scenario: Scenario | undefined): string[] {
  const check = (ok: boolean): string => (ok ? 'met' : '**not met**');
  const intervalSeconds = scenario?.control.intervalSeconds ?? 1;
  const reactionRows = (scenario?.changes ?? []).map((change, i) => {
    const r = h.best.reactions[i];
    const intervals = r && r.reacted === r.runs ? r.meanSeconds / intervalSeconds : NaN;
    return `| reaction to "${change.label}" <= ${TARGETS.reactionIntervals} intervals | ${Number.isFinite(intervals) ? intervals.toFixed(1) : 'not in every run'} | ${check(intervals <= TARGETS.reactionIntervals)} |`;
  });
  return [
    `| target | measured | |`,
    `|---|---|---|`,
    `| p99 <= ${TARGETS.vsStatic}x static 50/50 | ${ratio(h.vsStatic)} | ${check(h.vsStatic <= TARGETS.vsStatic)} |`,
    `| p99 <= ${TARGETS.vsLeastRequest}x least-request | ${ratio(h.vsLeastRequest)} | ${check(h.vsLeastRequest <= TARGETS.vsLeastRequest)} |`,
    `| p99 <= ${TARGETS.vsOracle}x oracle | ${ratio(h.vsOracle)} | ${check(h.vsOracle <= TARGETS.vsOracle)} |`,
    ...reactionRows,
  ];
}

/** What the numbers say about the gap to least-request, computed from them. */
function explanation(aggregates: readonly Aggregate[], h: Headline, sensitivity: readonly SensitivityRow[]): string[] {
  const of = (name: string): Aggregate | undefined => aggregates.find((a) => a.strategy === name);
  const leastRequest = of('least-request');
  const delayed = of('oracle-delayed');
  if (!leastRequest || !delayed) return [];
  const lines = [
    `Where the time goes: least-request reacts per request; a weights controller only at its next decision on a full window.`,
    `- The oracle acting one interval late (oracle-delayed) reaches ${ratio(delayed.p99.mean / leastRequest.p99.mean)}x least-request's p99: so at this interval even perfect knowledge, one interval late, cannot reach the target.`,
    `- Leaving out the ${SETTLE_SECONDS} s after each change, ${h.best.strategy}'s p99 is ${ratio(h.best.settledP99.mean / leastRequest.settledP99.mean)}x least-request's (${h.best.settledP99.mean.toFixed(1)} vs ${leastRequest.settledP99.mean.toFixed(1)} ms).`,
  ];
  const fastest = [...sensitivity].sort((a, b) => a.control.intervalSeconds - b.control.intervalSeconds)[0];
  const fastBest = fastest?.aggregates.find((a) => a.strategy === h.best.strategy);
  if (fastest && fastBest) {
    lines.push(
      `- With a decision every ${fastest.control.intervalSeconds} s on ${fastest.control.windowSeconds} s windows, ${h.best.strategy}'s p99 is ${fastBest.p99.mean.toFixed(1)} ms, ${ratio(fastBest.p99.mean / leastRequest.p99.mean)}x least-request's.`,
    );
  }
  return [...lines, ''];
}

export function summaryReport(
  scenarios: readonly Scenario[],
  aggregatesByScenario: ReadonlyMap<string, readonly Aggregate[]>,
  settings: RunSettings,
  headlineScenario: string,
  sensitivity: readonly SensitivityRow[],
  elapsedSeconds: number,
): ReportFile {
  const strategies = aggregatesByScenario.get(scenarios[0]?.name ?? '')?.map((a) => a.strategy) ?? [];
  const main = aggregatesByScenario.get(headlineScenario) ?? [];
  const h = headline(main);
  const scenario = scenarios.find((s) => s.name === headlineScenario);
  const lines = [
    '# Load-balancing lab: results',
    '',
    `Generated by \`npm run lab:experiment\` in ${elapsedSeconds.toFixed(0)} s; seeds ${settings.seeds.join(', ')}. Each scenario has its own report with tables and plots.`,
    '',
    '## p99 latency (ms) and error rate, mean over seeds',
    '',
    `| strategy | ${scenarios.map((s) => `[${s.name}](${s.name}/report.md)`).join(' | ')} |`,
    `|---|${scenarios.map(() => '---').join('|')}|`,
    ...strategies.map((name) => {
      const cells = scenarios.map((s) => {
        const a = aggregatesByScenario.get(s.name)?.find((x) => x.strategy === name);
        return a ? `${a.p99.mean.toFixed(1)} (${(a.errorRate.mean * 100).toFixed(2)}%)` : '—';
      });
      return `| ${name} | ${cells.join(' | ')} |`;
    }),
    '',
    `## Targets on the ${headlineScenario} scenario`,
    '',
    `Best adaptive policy: **${h.best.strategy}**, p99 ${h.best.p99.mean.toFixed(1)} ms.`,
    '',
    ...verdict(h, scenario),
    '',
    ...explanation(main, h, sensitivity),
    ...sensitivitySection(sensitivity),
  ];
  return { path: 'README.md', content: lines.join('\n') };
}
