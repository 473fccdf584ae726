// `npm run lab:experiment`: the evaluation protocol (lab/README.md). Runs every strategy on
// every scenario of one set (held-out by default) on worker threads; a held-out run needs the
// tuned constants frozen as they are and draws fresh seeds, recorded in the report. Writes
// lab/results/<set>/ and prints the headline as its last line.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_GUARDRAILS } from '../guardrails.ts';
import { freezeProblem, LOCK_PATH, readFreeze, tunedHash } from '../protocol/freeze.ts';
import { formatInterval } from '../protocol/paired.ts';
import { drawSeeds, heldOutSeedProblems } from '../protocol/seeds.ts';
import { TUNED, TUNING_SEEDS } from '../protocol/tuned.ts';
import { findScenario, scenariosOf, type Scenario, type ScenarioSet } from '../scenarios/index.ts';
import { aggregate, groupBy } from './aggregate.ts';
import { beatsWithConfidence, evaluation, geomeanOver, headlineLine, meanErrorRate, p99Of, ratioOn, type Evaluation } from './evaluation.ts';
import { runPool } from './pool.ts';
import { scenarioReport, type ReportFile } from './report.ts';
import type { Task, TaskResult } from './run-task.ts';
import { STRATEGIES } from './strategies.ts';
import { costRows, summaryReport, type StepRow } from './summary.ts';

class UsageError extends Error {}

interface Options {
  readonly set: ScenarioSet;
  readonly seeds: number[];
  readonly scenarios: Scenario[];
  readonly steps: number[];
  readonly out: string;
  readonly workers: number;
  readonly lock: string;
  readonly strategies: string[];
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      set: { type: 'string', default: 'held-out' },
      seeds: { type: 'string', default: process.env.LAB_SEEDS ?? '8' },
      'seed-list': { type: 'string' },
      scenarios: { type: 'string' },
      steps: { type: 'string', default: '10,25,50,100' },
      out: { type: 'string', default: join(import.meta.dirname, '..', '..', 'results') },
      workers: { type: 'string', default: String(availableParallelism()) },
      lock: { type: 'string', default: LOCK_PATH },
      strategies: { type: 'string' },
    },
  });
  if (values.set !== 'tuning' && values.set !== 'held-out') throw new UsageError(`--set must be tuning or held-out (got '${values.set}')`);
  const set: ScenarioSet = values.set;
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) throw new UsageError(`--workers must be a positive integer (got '${values.workers}')`);
  const inSet = scenariosOf(set);
  const scenarios = values.scenarios ? values.scenarios.split(',').filter(Boolean).map(findScenario) : inSet;
  const outside = scenarios.filter((s) => s.set !== set);
  if (outside.length > 0) throw new UsageError(`--scenarios: ${outside.map((s) => `${s.name} is in the ${s.set} set`).join('; ')}, not ${set}`);
  const steps = values.steps === 'none' ? [] : values.steps.split(',').map(Number);
  if (steps.some((s) => !Number.isInteger(s) || s < 1 || s > 100)) throw new UsageError(`--steps must be integers in 1..100 or 'none' (got '${values.steps}')`);
  let seeds: number[];
  if (values['seed-list']) {
    seeds = values['seed-list'].split(',').map(Number);
  } else if (set === 'tuning') {
    seeds = [...TUNING_SEEDS];
  } else {
    const count = Number(values.seeds);
    if (!Number.isInteger(count) || count < 2) throw new UsageError(`--seeds must be an integer >= 2 (got '${values.seeds}')`);
    seeds = drawSeeds(count, TUNING_SEEDS);
  }
  if (set === 'held-out') {
    const problems = heldOutSeedProblems(seeds, TUNING_SEEDS);
    if (problems.length > 0) throw new UsageError(`--seed-list: ${problems.join('; ')}`);
  }
  // static, least-request and the candidate are always run: every ratio and the headline need them.
  const wanted = values.strategies ? values.strategies.split(',').filter(Boolean) : STRATEGIES.map((s) => s.name);
  const unknown = wanted.filter((name) => !STRATEGIES.some((s) => s.name === name));
  if (unknown.length > 0) throw new UsageError(`--strategies: unknown ${unknown.join(', ')} (known: ${STRATEGIES.map((s) => s.name).join(', ')})`);
  const strategies = STRATEGIES.map((s) => s.name).filter((name) => wanted.includes(name) || ['static', 'least-request', TUNED.candidatePolicy].includes(name));
  return { set, seeds, scenarios, steps, out: resolve(values.out), workers, lock: resolve(values.lock), strategies };
}

function writeFiles(out: string, files: readonly ReportFile[]): void {
  for (const file of files) {
    const path = join(out, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
}

function printTable(e: Evaluation): void {
  for (const scenario of e.scenarios) {
    console.log(`\n${scenario.name} (${scenario.set})`);
    for (const name of e.strategies) {
      const p = p99Of(e, scenario.name, name);
      console.log(
        `  ${name.padEnd(20)} p99 ${formatInterval(p, 0).padStart(18)} ms  /static ${formatInterval(ratioOn(e, scenario.name, name, 'static')).padStart(17)}  /least-request ${formatInterval(ratioOn(e, scenario.name, name, 'least-request')).padStart(17)}  errors ${(meanErrorRate(e, scenario.name, name) * 100).toFixed(2)}%`,
      );
    }
  }
}

function stepRows(options: Options, results: readonly TaskResult[], candidate: string): StepRow[] {
  return options.steps.map((maxStepPercent) => {
    const runs = results.filter((r) => r.task.maxStepPercent === maxStepPercent);
    const withStep = runs.map((r) => ({ ...r, task: { ...r.task, strategy: `${candidate}@${maxStepPercent}`, maxStepPercent: undefined } }));
    const baselines = results.filter((r) => r.task.maxStepPercent === undefined && (r.task.strategy === 'static' || r.task.strategy === 'least-request'));
    const e = evaluation(options.scenarios, [`${candidate}@${maxStepPercent}`, 'static', 'least-request'], options.seeds, [...withStep, ...baselines]);
    const name = `${candidate}@${maxStepPercent}`;
    const worst = options.scenarios
      .map((s) => ({ scenario: s.name, ratio: ratioOn(e, s.name, name, 'static').ratio }))
      .sort((a, b) => b.ratio - a.ratio)[0] ?? { scenario: '—', ratio: NaN };
    return {
      maxStepPercent,
      vsStatic: geomeanOver(e, name, 'static'),
      vsLeastRequest: geomeanOver(e, name, 'least-request'),
      worst,
      errorRate: runs.reduce((s, r) => s + r.errorRate, 0) / Math.max(1, runs.length),
      churnPerHour: runs.reduce((s, r) => s + r.weightChurnPerHour, 0) / Math.max(1, runs.length),
      rollbacks: runs.reduce((s, r) => s + (r.decisions.rollback ?? 0), 0) / Math.max(1, runs.length),
    };
  });
}

async function main(): Promise<void> {
  const options = parseOptions();
  let freeze = `not frozen (tuning run; hash ${tunedHash().slice(0, 12)})`;
  if (options.set === 'held-out') {
    const record = readFreeze(options.lock);
    const problem = freezeProblem(record);
    if (problem) throw new UsageError(`held-out run refused: ${problem}`);
    freeze = `frozen ${record?.frozenAt} (sha256 ${record?.sha256.slice(0, 12)})`;
  }
  const candidate = TUNED.candidatePolicy;
  const strategies = options.strategies;
  const perRequest = strategies.includes(TUNED.candidatePerRequest) ? TUNED.candidatePerRequest : undefined;
  const started = performance.now();
  const mainTasks: Task[] = options.scenarios.flatMap((scenario) =>
    strategies.flatMap((strategy) => options.seeds.map((seed, i) => ({ scenario: scenario.name, strategy, seed, keepTimeline: i === 0 }))),
  );
  const stepTasks: Task[] = options.steps
    .filter((step) => step !== TUNED.guardrails.maxStepPercent)
    .flatMap((maxStepPercent) =>
      options.scenarios.flatMap((scenario) => options.seeds.map((seed) => ({ scenario: scenario.name, strategy: candidate, seed, keepTimeline: false, maxStepPercent }))),
    );
  const all = [...mainTasks, ...stepTasks];
  console.log(`${options.set} set: ${all.length} runs (${options.scenarios.length} scenarios x ${strategies.length} strategies x ${options.seeds.length} seeds, plus ${stepTasks.length} step-limit runs) on ${options.workers} workers`);
  console.log(`seeds: ${options.seeds.join(',')}`);
  let lastPrinted = 0;
  const results = await runPool(all, options.workers, (done) => {
    const percent = Math.floor((done / all.length) * 10) * 10;
    if (percent > lastPrinted) {
      lastPrinted = percent;
      console.log(`  ${percent}% (${done}/${all.length})`);
    }
  });
  // The frozen step is the main run itself.
  const frozenStepRuns = results
    .filter((r) => r.task.strategy === candidate && r.task.maxStepPercent === undefined)
    .map((r) => ({ ...r, task: { ...r.task, maxStepPercent: TUNED.guardrails.maxStepPercent } }));
  const mainResults = results.filter((r) => r.task.maxStepPercent === undefined);
  const e = evaluation(options.scenarios, strategies, options.seeds, mainResults);
  const steps = stepRows(options, [...results, ...frozenStepRuns], candidate);

  const settings = { seeds: options.seeds, guardrails: DEFAULT_GUARDRAILS };
  const files: ReportFile[] = [];
  for (const [name, runs] of groupBy(mainResults, (r) => r.task.scenario)) {
    const aggregates = [...groupBy(runs, (r) => r.task.strategy).values()].map(aggregate);
    files.push(...scenarioReport(findScenario(name), aggregates, runs.filter((r) => r.task.keepTimeline), settings, e).map((f) => ({ ...f, path: `${options.set}/${f.path}` })));
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  const costs = costRows(mainResults, strategies);
  files.push(summaryReport({ set: options.set, evaluation: e, candidate, perRequest, freeze, steps, elapsedSeconds, costs }));
  writeFiles(options.out, files);
  writeFileSync(join(options.out, options.set, 'seeds.json'), `${JSON.stringify({ set: options.set, seeds: options.seeds, freeze }, null, 2)}\n`);

  printTable(e);
  if (steps.length > 0) {
    console.log(`\nstep limit (${candidate}): max step -> p99/static geomean, p99/least-request geomean, churn points/h`);
    for (const row of steps) console.log(`  ${String(row.maxStepPercent).padStart(3)}  ${formatInterval(row.vsStatic)}  ${formatInterval(row.vsLeastRequest)}  ${row.churnPerHour.toFixed(0)}`);
  }
  console.log('\ncost per run: simulations, wall s on one worker, probes per request');
  for (const c of costs) console.log(`  ${c.strategy.padEnd(20)} ${c.simulationsPerRun.toFixed(1).padStart(5)}  ${c.wallSecondsPerRun.toFixed(2).padStart(6)}  ${c.probesPerRequest.toFixed(2)}`);
  const simulated = results.reduce((n, r) => n + r.simulatedRequests, 0);
  console.log(`\nreports in ${join(options.out, options.set)}; ${(simulated / 1e6).toFixed(1)}M simulated requests in ${elapsedSeconds.toFixed(1)} s`);
  console.log(`candidate ${candidate} beats static with confidence on: ${beatsWithConfidence(e, candidate, 'static').map((s) => s.name).join(', ') || 'none'}`);
  console.log(headlineLine(options.set, e, candidate));
}

try {
  await main();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`lab:experiment: ${error.message}`);
  process.exitCode = 2;
}
