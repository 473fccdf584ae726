// `npm run lab:experiment`: every policy and baseline on every scenario with several seeds,
// in parallel on worker threads; writes lab/results/<scenario>/ (report.md and SVG plots) and
// lab/results/README.md; prints the headline as its last line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_GUARDRAILS } from '../guardrails.ts';
import { SCENARIOS, findScenario } from '../scenarios/index.ts';
import type { ControlSettings } from '../simulator/model.ts';
import { aggregate, groupBy, type Aggregate } from './aggregate.ts';
import { runPool } from './pool.ts';
import { scenarioReport, summaryReport, type ReportFile, type SensitivityRow } from './report.ts';
import type { Task, TaskResult } from './run-task.ts';
import { headline, headlineLine } from './scoreboard.ts';
import { STRATEGIES, findStrategy } from './strategies.ts';

const HEADLINE_SCENARIO = 'degradation';
const SENSITIVITY_CONTROLS: readonly ControlSettings[] = [
  { intervalSeconds: 2, windowSeconds: 4, actuationDelaySeconds: 1 },
  { intervalSeconds: 10, windowSeconds: 20, actuationDelaySeconds: 1 },
];

function parseOptions(): { seeds: number[]; scenarios: string[]; out: string; workers: number } {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: process.env.LAB_SEEDS ?? '8' },
      scenarios: { type: 'string', default: SCENARIOS.map((s) => s.name).join(',') },
      out: { type: 'string', default: join(import.meta.dirname, '..', '..', 'results') },
      workers: { type: 'string', default: String(availableParallelism()) },
    },
  });
  const seedCount = Number(values.seeds);
  const workers = Number(values.workers);
  if (!Number.isInteger(seedCount) || seedCount < 1) throw new Error(`--seeds must be a positive integer (got '${values.seeds}')`);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a positive integer (got '${values.workers}')`);
  const scenarios = values.scenarios.split(',').filter(Boolean);
  scenarios.forEach(findScenario);
  if (!scenarios.includes(HEADLINE_SCENARIO)) throw new Error(`--scenarios must include ${HEADLINE_SCENARIO} (the headline)`);
  return { seeds: Array.from({ length: seedCount }, (_, i) => i + 1), scenarios, out: resolve(values.out), workers };
}

function writeFiles(out: string, files: readonly ReportFile[]): void {
  for (const file of files) {
    const path = join(out, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
}

function printScenario(name: string, aggregates: readonly Aggregate[]): void {
  console.log(`\n${name}`);
  for (const a of aggregates) {
    console.log(
      `  ${a.strategy.padEnd(22)} p50 ${a.p50.mean.toFixed(1).padStart(8)}  p95 ${a.p95.mean.toFixed(1).padStart(8)}  p99 ${a.p99.mean.toFixed(1).padStart(8)} ms  errors ${(a.errorRate.mean * 100).toFixed(2).padStart(5)}%`,
    );
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const started = performance.now();
  const mainTasks: Task[] = options.scenarios.flatMap((scenario) =>
    STRATEGIES.flatMap((strategy) =>
      options.seeds.map((seed, i) => ({ scenario, strategy: strategy.name, seed, keepTimeline: i === 0 })),
    ),
  );
  const sensitivityStrategies = STRATEGIES.filter((s) => s.kind === 'policy' || s.name.startsWith('oracle')).map((s) => s.name);
  const sensitivityTasks: Task[] = SENSITIVITY_CONTROLS.flatMap((control) =>
    sensitivityStrategies.flatMap((strategy) =>
      options.seeds.map((seed) => ({ scenario: HEADLINE_SCENARIO, strategy, seed, keepTimeline: false, control })),
    ),
  );
  const all = [...mainTasks, ...sensitivityTasks];
  console.log(`${all.length} runs (${options.scenarios.length} scenarios x ${STRATEGIES.length} strategies x ${options.seeds.length} seeds, plus ${sensitivityTasks.length} sensitivity runs) on ${options.workers} workers`);
  let lastPrinted = 0;
  const results = await runPool(all, options.workers, (done) => {
    const percent = Math.floor((done / all.length) * 10) * 10;
    if (percent > lastPrinted) {
      lastPrinted = percent;
      console.log(`  ${percent}% (${done}/${all.length})`);
    }
  });
  const mainResults = results.slice(0, mainTasks.length);
  const sensitivityResults = results.slice(mainTasks.length);

  const settings = { seeds: options.seeds, guardrails: DEFAULT_GUARDRAILS };
  const aggregatesByScenario = new Map<string, Aggregate[]>();
  const files: ReportFile[] = [];
  const byScenario = groupBy(mainResults, (r) => r.task.scenario);

  const sensitivity: SensitivityRow[] = [];
  const degradationScenario = findScenario(HEADLINE_SCENARIO);
  const rowFor = (control: ControlSettings, runs: readonly TaskResult[]): SensitivityRow => ({
    control,
    aggregates: [...groupBy(runs, (r) => r.task.strategy).values()].map(aggregate),
  });
  for (const control of SENSITIVITY_CONTROLS) {
    sensitivity.push(rowFor(control, sensitivityResults.filter((r) => r.task.control === control || r.task.control?.intervalSeconds === control.intervalSeconds)));
  }
  const defaultRuns = (byScenario.get(HEADLINE_SCENARIO) ?? []).filter((r) => sensitivityStrategies.includes(r.task.strategy));
  sensitivity.push(rowFor(degradationScenario.control, defaultRuns));
  sensitivity.sort((a, b) => a.control.intervalSeconds - b.control.intervalSeconds);

  for (const [name, runs] of byScenario) {
    const scenario = findScenario(name);
    const aggregates = [...groupBy(runs, (r) => r.task.strategy).values()].map(aggregate);
    aggregatesByScenario.set(name, aggregates);
    const timelines = runs.filter((r) => r.task.keepTimeline);
    files.push(...scenarioReport(scenario, aggregates, timelines, settings, name === HEADLINE_SCENARIO ? sensitivity : []));
    printScenario(name, aggregates);
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  const scenarios = options.scenarios.map(findScenario);
  files.push(summaryReport(scenarios, aggregatesByScenario, settings, HEADLINE_SCENARIO, sensitivity, elapsedSeconds));
  writeFiles(options.out, files);

  const simulated = mainResults.reduce((n, r) => n + r.simulatedRequests, 0) + sensitivityResults.reduce((n, r) => n + r.simulatedRequests, 0);
  const h = headline(aggregatesByScenario.get(HEADLINE_SCENARIO) ?? []);
  console.log(`\nreports in ${options.out}; ${(simulated / 1e6).toFixed(1)}M simulated requests in ${elapsedSeconds.toFixed(1)} s`);
  console.log(`best adaptive policy on ${HEADLINE_SCENARIO}: ${h.best.strategy} (${findStrategy(h.best.strategy).summary}); p99 ${h.vsOracle.toFixed(2)}x the oracle's`);
  console.log(headlineLine(h));
}

await main();
