// `npm run bench:validate`: our validator against kubeconform on the same >= 50,000 resources,
// same cores, same schemas, side by side in one run. Last line: `ratio vs kubeconform: X.XX`.
// Environment: BENCH_RESOURCES (default 50000), BENCH_ROUNDS (default 5), BENCH_CPUS (default
// every core, e.g. "0,1"; both tools are pinned to them with taskset and get one worker per core),
// SHOPMESH_CORPUS_DIR (default ../shared/corpus).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findManifestFiles } from '../../lib/manifests.ts';
import { DEFAULT_PATHS, REPO_ROOT } from '../index.ts';
import { builtInRegistry } from '../schemas/registry.ts';
import { readSources, writeBenchCorpus } from './corpus.ts';
import { childrenCpuSeconds } from './cpu.ts';
import { ensureKubeconform, writeKubeconformSchemas } from './kubeconform.ts';

const log = (line: string): void => console.log(line);

interface RunResult { seconds: number; cpuSeconds: number | undefined; resources: number; invalid: number }


function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The least disturbed run: on a shared machine, other load only ever adds time. */
const best = (values: number[]): number => Math.min(...values);

function pinned(cpus: string | undefined, command: string, args: string[]): [string, string[]] {
  const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
  return cpus !== undefined && hasTaskset ? ['taskset', ['-c', cpus, command, ...args]] : [command, args];
}

function timed(command: string, args: string[]): { seconds: number; cpuSeconds: number | undefined; stdout: string } {
  const cpuBefore = childrenCpuSeconds();
  const start = process.hrtime.bigint();
  const run = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 30, cwd: REPO_ROOT });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuAfter = childrenCpuSeconds();
  if (run.error) throw run.error;
  if (run.status !== 0 && run.status !== 1) throw new Error(`${command} ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  const cpuSeconds = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
  return { seconds, cpuSeconds, stdout: run.stdout };
}

function runOurs(cpus: string | undefined, workers: number, corpusDir: string): RunResult {
  const [command, args] = pinned(cpus, process.execPath, ['ci/validate/validate.mjs', '--schema-only', '--json', '--workers', String(workers), corpusDir]);
  const run = timed(command, args);
  const report = JSON.parse(run.stdout) as { resources: number; findings: { severity: string; file: string; line: number }[] };
  const invalid = new Set(report.findings.filter((f) => f.severity === 'error').map((f) => `${f.file}:${f.line}`)).size;
  return { seconds: run.seconds, cpuSeconds: run.cpuSeconds, resources: report.resources, invalid };
}

function runKubeconform(binary: string, cpus: string | undefined, workers: number, locations: string[], corpusDir: string): RunResult {
  const flags = ['-strict', '-summary', '-ignore-missing-schemas', '-output', 'json', '-n', String(workers),
    ...locations.flatMap((location) => ['-schema-location', location]), corpusDir];
  const [command, args] = pinned(cpus, binary, flags);
  const run = timed(command, args);
  const { summary } = JSON.parse(run.stdout) as { summary: { valid: number; invalid: number; errors: number; skipped: number } };
  return {
    seconds: run.seconds, cpuSeconds: run.cpuSeconds,
    resources: summary.valid + summary.invalid + summary.errors + summary.skipped, invalid: summary.invalid + summary.errors,
  };
}

const minimumResources = Number(process.env.BENCH_RESOURCES ?? 50_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const cpus = process.env.BENCH_CPUS;
const workers = cpus === undefined ? availableParallelism() : cpus.split(',').length;
const corpusSourceDir = process.env.SHOPMESH_CORPUS_DIR ?? resolve(REPO_ROOT, '../shared/corpus');

const projectFiles = (await findManifestFiles(DEFAULT_PATHS.map((path) => join(REPO_ROOT, path)).filter(existsSync))).files;
const corpusFiles = existsSync(corpusSourceDir)
  ? readdirSync(corpusSourceDir).filter((name) => /\.ya?ml$/.test(name)).map((name) => join(corpusSourceDir, name))
  : [];
const sources = readSources([...projectFiles, ...corpusFiles]);
log(`sources: ${projectFiles.length} project manifest files, ${corpusFiles.length} corpus files (CRD documents left out of the copies)`);

const work = mkdtempSync(join(tmpdir(), 'shopmesh-bench-validate-'));
try {
  const corpus = writeBenchCorpus(join(work, 'corpus'), sources, minimumResources);
  log(`corpus: ${corpus.resources} resources in ${corpus.files} files, ${corpus.kinds.size} kinds (${corpus.dir})`);
  const kubeconform = ensureKubeconform(log);
  const version = execFileSync(kubeconform, ['-v'], { encoding: 'utf8' }).trim();
  const locations = writeKubeconformSchemas(join(work, 'schemas'), builtInRegistry(), corpus.kinds);
  log(`kubeconform ${version === 'development' ? 'v0.7.0 (go install)' : version}: -strict -n ${workers}, local schemas from the same bundles`);
  log(`ours: --schema-only --workers ${workers}; cpus: ${cpus ?? `all ${availableParallelism()}`}${cpus !== undefined ? ' (taskset)' : ''}; ${rounds} alternating rounds, wall time of a whole process run, best of the rounds`);

  const describe = (run: RunResult): string =>
    `${run.seconds.toFixed(2)} s${run.cpuSeconds !== undefined ? ` (cpu ${run.cpuSeconds.toFixed(2)} s)` : ''}, ${run.resources} resources, ${run.invalid} invalid`;
  const ours: RunResult[] = [];
  const theirs: RunResult[] = [];
  // Round 0 warms both up (page cache; our compiled-validator cache and worker bundle) and is not counted.
  for (let round = 0; round <= rounds; round++) {
    const a = runOurs(cpus, workers, corpus.dir);
    const b = runKubeconform(kubeconform, cpus, workers, locations, corpus.dir);
    if (round > 0) {
      ours.push(a);
      theirs.push(b);
    }
    log(`${round === 0 ? 'warm-up' : `round ${round}`}: ours ${describe(a)} | kubeconform ${describe(b)}`);
  }
  const oursRate = corpus.resources / best(ours.map((r) => r.seconds));
  const theirsRate = corpus.resources / best(theirs.map((r) => r.seconds));
  const medianRatio = median(theirs.map((r) => r.seconds)) / median(ours.map((r) => r.seconds));
  const cpu = (runs: RunResult[]): number | undefined =>
    runs.every((r) => r.cpuSeconds !== undefined) ? median(runs.map((r) => r.cpuSeconds!)) : undefined;
  const [oursCpu, theirsCpu] = [cpu(ours), cpu(theirs)];
  if (ours[0]!.resources !== theirs[0]!.resources || ours[0]!.invalid !== theirs[0]!.invalid) {
    log(`note: the tools disagree (ours ${ours[0]!.resources} resources/${ours[0]!.invalid} invalid, kubeconform ${theirs[0]!.resources}/${theirs[0]!.invalid})`);
  }
  log(`median wall-time ratio: ${medianRatio.toFixed(2)}${oursCpu !== undefined && theirsCpu !== undefined ? `; median cpu seconds: ours ${oursCpu.toFixed(2)}, kubeconform ${theirsCpu.toFixed(2)} (ratio ${(theirsCpu / oursCpu).toFixed(2)})` : ''}`);
  log(`ours:        ${Math.round(oursRate)} resources/s`);
  log(`kubeconform: ${Math.round(theirsRate)} resources/s`);
  log(`ratio vs kubeconform: ${(oursRate / theirsRate).toFixed(2)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
