// The live report: live p50/p99 beside the simulator's on the same live profile and mesh timing,
// the controller / static ratios on both sides, and the gap between them.
import { formatInterval } from '../protocol/paired.ts';
import type { ControlSettings } from '../simulator/model.ts';
import type { LiveProfile } from './profile.ts';
import type { LiveRunResult } from './run.ts';
import { simulatedRatio, type SimulatedFigures } from './simulated.ts';

export interface LiveExperiment {
  readonly scenario: string;
  readonly profile: LiveProfile;
  readonly timeScale: number;
  readonly control: ControlSettings;
  readonly seed: number;
  readonly simulatedSeeds: readonly number[];
  readonly candidate: string;
  readonly startedAt: string;
  readonly live: readonly LiveRunResult[];
  readonly simulated: readonly SimulatedFigures[];
  /** product-service v1 answering with no fault, straight (no gateway), at the live profile's mean rate: the floor of live latencies. */
  readonly bare: { readonly p50: number; readonly p99: number; readonly requests: number };
}

export interface LiveGap {
  readonly quantile: 'p50' | 'p99';
  readonly liveRatio: number;
  readonly simulatedRatio: number;
  /** live ratio / simulated ratio: 1 when the simulator predicts the live comparison exactly. */
  readonly gap: number;
}

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(value < 10 ? 1 : 0) : 'n/a');
const pct = (value: number): string => `${(value * 100).toFixed(1)}%`;

function pair(e: LiveExperiment, strategy: string): { live: LiveRunResult; simulated: SimulatedFigures } {
  const live = e.live.find((r) => r.strategy === strategy);
  const simulated = e.simulated.find((s) => s.strategy === strategy);
  if (!live || !simulated) throw new Error(`no live and simulated figures for ${strategy}`);
  return { live, simulated };
}

export function liveGaps(e: LiveExperiment): LiveGap[] {
  const candidate = pair(e, e.candidate);
  const baseline = pair(e, 'static');
  return (['p50', 'p99'] as const).map((quantile) => {
    const liveRatio = candidate.live.latencyMs[quantile] / baseline.live.latencyMs[quantile];
    const simulatedRatio = candidate.simulated[quantile] / baseline.simulated[quantile];
    return { quantile, liveRatio, simulatedRatio, gap: liveRatio / simulatedRatio };
  });
}

/** The one-line summary printed last. */
export function headline(e: LiveExperiment): string {
  const p99 = liveGaps(e).find((g) => g.quantile === 'p99');
  return `live ${e.scenario}: ${e.candidate}/static p99 live=${p99?.liveRatio.toFixed(2)} simulated=${p99?.simulatedRatio.toFixed(2)} gap=${p99?.gap.toFixed(2)}`;
}

export function liveReport(e: LiveExperiment): string {
  const strategies = ['static', e.candidate];
  const lines: string[] = [];
  lines.push(`# Live run: ${e.scenario}`, '');
  lines.push(
    `Started ${e.startedAt}. Live profile: ${e.profile.durationSeconds} s per strategy (1 live second = ${e.timeScale.toFixed(2)} scenario seconds), ` +
      `arrival rates x ${e.profile.rateScale}, service times / ${e.profile.rateScale}; one process per subset holding all its pods' slots. ` +
      `Mesh timing: ${e.control.scrapeIntervalSeconds} s scrapes, ${e.control.intervalSeconds} s decisions, ${e.control.windowSeconds} s windows. ` +
      `Arrival seed ${e.seed} (the same requests at the same moments for every strategy live); simulator seeds ${e.simulatedSeeds.join(', ')}.`,
    '',
  );
  lines.push('p50 / p99 in ms; a failed request counts as 10 s (above every success), as in the simulator. "sim" is the simulator on the live seed; "sim, all seeds" the geometric mean over the simulator seeds [95% interval].', '');
  lines.push('| strategy | live p50 | sim p50 | live p99 | sim p99 | sim p99, all seeds | live / sim p99 | live failed | sim failed | live requests | sim requests |');
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const strategy of strategies) {
    const { live, simulated } = pair(e, strategy);
    lines.push(
      `| ${strategy}${strategy === e.candidate ? ' (controller)' : ''} | ${ms(live.latencyMs.p50)} | ${ms(simulated.p50)} | ${ms(live.latencyMs.p99)} | ${ms(simulated.p99)} | ${formatInterval(simulated.p99OverSeeds, 0)} | ${(live.latencyMs.p99 / simulated.p99).toFixed(2)} | ${pct(live.failures / Math.max(1, live.requests))} | ${pct(simulated.errorRate)} | ${live.requests} | ${simulated.requests} |`,
    );
  }
  lines.push('', `${e.candidate} / static:`, '');
  lines.push('| quantile | live | simulated (live seed) | simulated, all seeds (paired) | gap = live / simulated |');
  lines.push('|---|---|---|---|---|');
  const candidate = pair(e, e.candidate).simulated;
  const baseline = pair(e, 'static').simulated;
  for (const g of liveGaps(e)) {
    lines.push(`| ${g.quantile} | ${g.liveRatio.toFixed(2)} | ${g.simulatedRatio.toFixed(2)} | ${formatInterval(simulatedRatio(candidate, baseline, g.quantile))} | ${g.gap.toFixed(2)} |`);
  }
  lines.push(
    '',
    `Floor: product-service v1 with no fault, called straight at the live rate, answered in p50 ${ms(e.bare.p50)} ms, p99 ${ms(e.bare.p99)} ms (${e.bare.requests} requests); ` +
      `the machine's load average was ${e.live.map((r) => `${r.loadAverage[0].toFixed(1)} -> ${r.loadAverage[1].toFixed(1)} (${r.strategy})`).join(', ')} on its cores.`,
  );
  lines.push('', 'What the live loop saw:', '');
  for (const run of e.live) {
    const subsets = Object.keys(run.shares);
    const minWeights = subsets.map((s) => `${s} ${Math.min(...run.weights.map((w) => w.weights[s] ?? NaN))}-${Math.max(...run.weights.map((w) => w.weights[s] ?? NaN))}`).join(', ');
    const decisions = Object.entries(run.decisions).map(([a, n]) => `${a} ${n}`).join(', ') || 'none (no controller)';
    lines.push(
      `- **${run.strategy}** (namespace ${run.namespace}): weights in main-routing-vs ranged ${minWeights}; decisions: ${decisions}; ` +
        `Events: ${run.eventReasons.length ? run.eventReasons.join(', ') : 'none'}; split answered ${subsets.map((s) => `${s} ${pct(run.shares[s] ?? 0)}`).join(' / ')} ` +
        `for weights in force ${subsets.map((s) => `${s} ${pct(run.expectedShares[s] ?? 0)}`).join(' / ')}; ` +
        `istio_requests_total in Prometheus ${subsets.map((s) => `${s} ${run.prometheusCounted[s] ?? 0}`).join(' / ')} for ${subsets.map((s) => `${s} ${run.gatewayCounted[s] ?? 0}`).join(' / ')} proxied.`,
    );
  }
  const weightLine = (run: LiveRunResult): string => {
    const step = Math.max(1, Math.round(run.weights.length / 24));
    return run.weights.filter((_, i) => i % step === 0).map((w) => `${w.second}s:${Object.values(w.weights).join('/')}`).join(' ');
  };
  lines.push('', 'Weights by live second (v1/v2):', '');
  for (const run of e.live) lines.push(`- ${run.strategy}: ${weightLine(run)}`);
  lines.push('', headline(e), '');
  return lines.join('\n');
}
