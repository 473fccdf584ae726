// `npm run bench:pipeline`: the whole pipeline on the test environment's real node, as a user runs it
// on kind (ci/test/standins/real-node-run.ts: `--builder docker`, strict stand-ins for kind and
// istioctl, infrastructure stand-in images by --image-map, every stage including smoke through
// NodePort 30000), three times: cold (fresh namespace), a no-op rerun, and a run after a one-line
// change in one service's source file (in the temporary repository copy, so the working tree is never
// touched). Prints each stage's time per run, which images were rebuilt and which Deployments rolled
// (the one-change run must rebuild and roll exactly one service, or the benchmark fails), each goal
// beside its figure as a ratio, and the memory of the shop's pods on the node. The shop stays
// running (`shop deployed: namespace=NS url=URL`); the next run replaces it. Last line:
// `no-op rerun seconds: X.X` (wall time of the whole pipeline process).
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { formatTable } from '../lib/log.ts';
import { uniqueName } from '../test/fixtures.ts';
import { summaryRow, type Run } from '../test/pipeline-harness.ts';
import { startRealNodeRun } from '../test/standins/real-node-run.ts';
import { shopMemory } from '../test/standins/node-stats.ts';

const CHANGED_SERVICE = 'cart-service';
const CHANGED_FILE = `services/${CHANGED_SERVICE}/src/main.ts`;
const STAGES = ['preflight', 'validate', 'cluster', 'build', 'deploy', 'smoke'];
/** Goals (seconds of the whole pipeline process). */
const GOALS = { noop: 15, change: 60 };

interface RunReport {
  label: string;
  run: Run;
  /** Seconds per stage, from the pipeline's summary table (undefined: not run or skipped). */
  stageSeconds: Map<string, number | undefined>;
  built: string[];
  fromEngine: string[];
  alreadyInRegistry: string[];
  rolled: string[];
}

/** `350ms`, `12.3s`, `1m05s` (formatDuration in ci/lib/log.ts) to seconds. */
function parseDuration(text: string): number | undefined {
  const match = /^(?:(\d+)m(\d+)s|([\d.]+)s|(\d+)ms)$/.exec(text);
  if (!match) return undefined;
  if (match[1] !== undefined) return Number(match[1]) * 60 + Number(match[2]);
  if (match[3] !== undefined) return Number(match[3]);
  return Number(match[4]) / 1000;
}

/** Image names whose build log has a line matching `what` (`[build] [<image>] <what>`). */
function imagesWith(output: string, what: RegExp): string[] {
  const names = new Set<string>();
  for (const line of output.split('\n')) {
    const match = /^\[build\] \[([a-z0-9-]+)\] (.*)$/.exec(line);
    if (match?.[1] && what.test(match[2] ?? '')) names.add(match[1]);
  }
  return [...names].sort();
}

function report(label: string, run: Run): RunReport {
  const stageSeconds = new Map<string, number | undefined>();
  for (const stage of STAGES) {
    const cells = /^\s+\S+\s+(passed|failed|skipped|not run)\s+(\S+)/.exec(summaryRow(run.output, stage));
    stageSeconds.set(stage, cells?.[1] === 'passed' || cells?.[1] === 'failed' ? parseDuration(cells[2] ?? '') : undefined);
  }
  const rolledNote = /rolled: (.*?)(;|$)/.exec(summaryRow(run.output, 'deploy'))?.[1] ?? 'none';
  return {
    label,
    run,
    stageSeconds,
    built: imagesWith(run.output, /^building /),
    fromEngine: imagesWith(run.output, /in the local Docker engine, not rebuilt$/),
    alreadyInRegistry: imagesWith(run.output, /already present, skipped$/),
    rolled: rolledNote === 'none' ? [] : rolledNote.trim().split(/\s+/),
  };
}

const seconds = (value: number | undefined): string => (value === undefined ? '-' : value.toFixed(1));
const names = (list: readonly string[]): string => (list.length ? `${list.length}: ${list.join(' ')}` : 'none');

function printReports(reports: readonly RunReport[]): void {
  console.log('');
  console.log('stage seconds per run (from the pipeline summary; total = wall time of the pipeline process):');
  const rows = STAGES.map((stage) => [stage, ...reports.map((item) => seconds(item.stageSeconds.get(stage)))]);
  rows.push(['total', ...reports.map((item) => item.run.seconds.toFixed(1))]);
  rows.push(['exit code', ...reports.map((item) => String(item.run.code))]);
  for (const line of formatTable(['STAGE', ...reports.map((item) => item.label)], rows)) console.log(`  ${line}`);
  for (const item of reports) {
    console.log('');
    console.log(`${item.label}:`);
    const outcomes: [string, readonly string[]][] = [
      ['images rebuilt', item.built],
      ['images taken from the local Docker engine', item.fromEngine],
      ['images already on the target (node or registry)', item.alreadyInRegistry],
      ['Deployments rolled', item.rolled],
    ];
    for (const [title, list] of outcomes) console.log(`  ${`${title}:`.padEnd(44)}${names(list)}`);
  }
}

async function main(): Promise<number> {
  const shop = await startRealNodeRun('shopmesh-bench');
  if (!shop) {
    console.error('bench:pipeline: the test environment (kube, docker, the real node) is not available; start it with testenv/up');
    return 1;
  }
  const reports: RunReport[] = [];
  const problems: string[] = [];
  let memory: string | undefined;
  try {
    console.log(`namespace ${shop.namespace}, repository copy ${shop.root}, gateway ${shop.gatewayUrl}`);
    const runOnce = async (label: string): Promise<RunReport> => {
      console.log(`${label} run...`);
      const item = report(label, await shop.run());
      console.log(`${label} run: ${item.run.seconds.toFixed(1)} s, exit ${item.run.code}`);
      if (item.run.code !== 0) {
        console.log(item.run.output.split('\n').slice(-40).join('\n'));
        problems.push(`${label} run exited with ${item.run.code}`);
      }
      reports.push(item);
      return item;
    };

    await runOnce('cold');
    await runOnce('no-op');
    const changedPath = join(shop.root, CHANGED_FILE);
    if (!existsSync(changedPath)) throw new Error(`${CHANGED_FILE} is missing: the benchmark changes that file`);
    appendFileSync(changedPath, `\n// one-line change for the pipeline benchmark, ${uniqueName('run')}\n`);
    const change = await runOnce(`one-change (${CHANGED_SERVICE})`);

    if (change.built.length !== 1 || change.built[0] !== CHANGED_SERVICE) {
      problems.push(`one-change run rebuilt ${names(change.built)}; expected exactly ${CHANGED_SERVICE}`);
    }
    if (change.rolled.length !== 1 || change.rolled[0] !== `${CHANGED_SERVICE}-deployment`) {
      problems.push(`one-change run rolled ${names(change.rolled)}; expected exactly ${CHANGED_SERVICE}-deployment`);
    }
    memory = await shopMemory(shop.kube, shop.namespace).catch((error: unknown) => `unknown (${(error as Error).message})`);
  } finally {
    await shop.finish(problems.length === 0);
  }

  printReports(reports);
  console.log('');
  const [, noop, change] = reports;
  if (noop) console.log(`no-op rerun: ${noop.run.seconds.toFixed(1)} s, goal ${GOALS.noop} s (ratio ${(noop.run.seconds / GOALS.noop).toFixed(2)})`);
  if (change) console.log(`one-line change: ${change.run.seconds.toFixed(1)} s, goal ${GOALS.change} s (ratio ${(change.run.seconds / GOALS.change).toFixed(2)})`);
  if (memory) console.log(`memory of the shop's pods on the node (working set): ${memory}`);
  for (const problem of problems) console.log(`ERROR: ${problem}`);
  if (problems.length === 0) console.log(`shop deployed: namespace=${shop.namespace} url=${shop.gatewayUrl}/products/`);
  console.log(`no-op rerun seconds: ${noop ? noop.run.seconds.toFixed(1) : 'n/a'}`);
  return problems.length > 0 || !noop ? 1 : 0;
}

process.exitCode = await main();
