// The pipeline: from source to a running, meshed shop. `dagger run npx tsx ci/pipeline.ts` (or plain
// `npx tsx ci/pipeline.ts`, where the Dagger SDK starts its own engine). Stages in order; on a
// failure, diagnostics of the namespace; always a summary table; exit 0 only when all passed
// (1: a stage failed, 2: bad usage, 3: preflight: a tool is missing, too old or not working).
//
// Order: preflight, validate, cluster, build, deploy, smoke. The cluster comes before the build
// (ARCHITECTURE.md lists build first) because the build loads images into the kind nodes and skips
// the ones they already have: both need the cluster to exist.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runValidateCli } from './validate/cli.ts';
import { buildArgsFromEnv, imageSources, planImages, type PlannedImage } from './lib/image-sources.ts';
import { loadImageMap } from './lib/image-map.ts';
import { connectKube, type Kube } from './lib/kube.ts';
import { formatDuration, formatTable, Log } from './lib/log.ts';
import { kubeContext, parseOptions, USAGE, UsageError, type PipelineOptions } from './lib/options.ts';
import { runBuildStage, caBundleFromEnv } from './steps/build.ts';
import { readAdminCredentials, runClusterStage } from './steps/cluster.ts';
import { runDeployStage } from './steps/deploy.ts';
import { runDiagnose } from './steps/diagnose.ts';
import { runPlan } from './steps/plan.ts';
import { PREFLIGHT_EXIT_CODE, runPreflight } from './steps/preflight.ts';
import { runSmokeScenario, SmokeClient } from './steps/smoke.ts';
import { runValidateStage } from './steps/validate.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export type StageStatus = 'passed' | 'failed' | 'skipped' | 'not run';

export interface StageRecord {
  name: string;
  status: StageStatus;
  ms: number;
  note: string;
}

interface Stage {
  name: string;
  /** When set, the stage is skipped and this says why. */
  skip?: string | undefined;
  /** Its failure leaves something in the cluster worth diagnosing. */
  touchesCluster: boolean;
  run: (log: Log) => Promise<string | void>;
}

async function builderFor(options: PipelineOptions) {
  if (options.builder === 'docker') return (await import('./lib/docker-build.ts')).dockerBuilder();
  return (await import('./lib/dagger-build.ts')).daggerBuilder();
}

function checkOnly(options: PipelineOptions, images: readonly PlannedImage[]): void {
  const known = images.map((image) => image.name);
  const unknown = (options.only ?? []).filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new UsageError(`--only: unknown service ${unknown.join(', ')} (services: ${known.join(', ') || 'none'})`);
}

export function summaryLines(records: readonly StageRecord[]): string[] {
  return formatTable(
    ['STAGE', 'STATUS', 'DURATION', 'NOTE'],
    records.map((record) => [record.name, record.status, record.status === 'not run' ? '-' : formatDuration(record.ms), record.note]),
  );
}

async function runStages(stages: readonly Stage[], log: Log): Promise<{ records: StageRecord[]; failed?: Stage }> {
  const records: StageRecord[] = [];
  let failed: Stage | undefined;
  for (const stage of stages) {
    if (failed) {
      records.push({ name: stage.name, status: 'not run', ms: 0, note: '' });
      continue;
    }
    const stageLog = log.child(stage.name);
    if (stage.skip) {
      stageLog.line(`skipped: ${stage.skip}`);
      records.push({ name: stage.name, status: 'skipped', ms: 0, note: stage.skip });
      continue;
    }
    const started = Date.now();
    stageLog.line('started');
    try {
      const note = (await stage.run(stageLog)) ?? '';
      const ms = Date.now() - started;
      stageLog.line(`passed in ${formatDuration(ms)}`);
      records.push({ name: stage.name, status: 'passed', ms, note });
    } catch (error) {
      const ms = Date.now() - started;
      const message = error instanceof Error ? error.message : String(error);
      stageLog.line(`FAILED after ${formatDuration(ms)}: ${message}`);
      records.push({ name: stage.name, status: 'failed', ms, note: message.split('\n')[0]?.slice(0, 120) ?? '' });
      failed = stage;
    }
  }
  return { records, ...(failed ? { failed } : {}) };
}

export async function runPipeline(options: PipelineOptions, log: Log, root = ROOT): Promise<number> {
  const sources = await imageSources(root, { withLab: options.withLab });
  const images = planImages(root, sources, buildArgsFromEnv(), options.target);
  checkOnly(options, images);
  // A bad map file stops the run before any stage (a usage error naming file and line).
  const imageMap = options.imageMap ? await loadImageMap(options.imageMap) : undefined;
  if (options.plan) {
    await runPlan({ root, options, images, imageMap, log });
    return 0;
  }

  let kube: Kube | undefined;
  const connect = (): Kube => (kube ??= connectKube({ kubeconfig: options.kubeconfig, context: kubeContext(options) }));
  const building = options.only ? images.filter((image) => options.only?.includes(image.name)) : images;

  const stages: Stage[] = [
    { name: 'preflight', touchesCluster: false, run: (stageLog) => runPreflight(options, stageLog) },
    {
      name: 'validate',
      touchesCluster: false,
      run: (stageLog) => runValidateStage({ root, withLab: options.withLab, namespace: options.namespace, log: stageLog }),
    },
    { name: 'cluster', touchesCluster: true, run: (stageLog) => runClusterStage({ log: stageLog, root, options, connect }) },
    {
      name: 'build',
      touchesCluster: true,
      skip: options.skipBuild ? '--skip-build' : undefined,
      run: async (stageLog) => {
        const result = await runBuildStage({
          root,
          images: building,
          target: options.target,
          builder: await builderFor(options),
          jobs: options.jobs,
          buildArgs: buildArgsFromEnv(),
          caFile: caBundleFromEnv(),
          log: stageLog,
        });
        const outcomes = [...result.outcomes.values()];
        const count = (outcome: string): number => outcomes.filter((value) => value === outcome).length;
        return `${count('built')} built, ${count('loaded')} loaded, ${count('present')} already present`;
      },
    },
    {
      name: 'deploy',
      touchesCluster: true,
      run: async (stageLog) => {
        const result = await runDeployStage({
          kube: connect(),
          log: stageLog,
          root,
          namespace: options.namespace,
          images,
          only: options.only,
          restart: options.restart,
          withLab: options.withLab,
          timeoutMs: options.timeoutMs,
          backoff: options.backoff,
          imageMap,
          placement: options.placement,
        });
        return `rolled: ${result.rolled.length ? result.rolled.join(' ') : 'none'}${result.restarted.length ? `; restarted ${result.restarted.length}` : ''}`;
      },
    },
    {
      name: 'smoke',
      touchesCluster: true,
      skip: options.skipSmoke ? '--skip-smoke' : undefined,
      run: async (stageLog) => {
        const client = new SmokeClient({ baseUrl: options.gatewayUrl, log: stageLog });
        await runSmokeScenario(client, () => readAdminCredentials(connect(), options.namespace));
        return `${client.attempts.length} routes answered`;
      },
    },
  ];

  const { records, failed } = await runStages(stages, log);
  if (failed) {
    const diagnoseLog = log.child('diagnose');
    const started = Date.now();
    if (!failed.touchesCluster) {
      records.push({ name: 'diagnose', status: 'skipped', ms: 0, note: `the ${failed.name} stage failed before any cluster change` });
    } else {
      try {
        const result = await runDiagnose(connect(), options.namespace, diagnoseLog);
        records.push({ name: 'diagnose', status: 'passed', ms: Date.now() - started, note: `${result.unhealthyPods.length} unhealthy pods` });
      } catch (error) {
        diagnoseLog.line(`cannot diagnose: ${(error as Error).message}`);
        records.push({ name: 'diagnose', status: 'failed', ms: Date.now() - started, note: 'cluster not readable' });
      }
    }
  }

  log.line('');
  log.line('summary:');
  for (const line of summaryLines(records)) log.line(`  ${line}`);
  const total = records.reduce((sum, record) => sum + record.ms, 0);
  if (failed) {
    log.line(`pipeline FAILED at ${failed.name} (${formatDuration(total)})`);
    return failed.name === 'preflight' ? PREFLIGHT_EXIT_CODE : 1;
  }
  log.line(`pipeline passed in ${formatDuration(total)}`);
  log.line(`shop: ${options.gatewayUrl}/products/ ; dashboards: istioctl dashboard prometheus | grafana | kiali`);
  return 0;
}

export async function main(argv: readonly string[], log = new Log()): Promise<number> {
  let options: PipelineOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`pipeline: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.command === 'validate') return runValidateCli(options.validateArgs);
  try {
    if (options.command === 'diagnose') {
      // Run after a failure (Jenkins' post step), possibly before any cluster exists: an
      // unreachable cluster is reported, not a second failure.
      const diagnoseLog = log.child('diagnose');
      try {
        const kube = connectKube({ kubeconfig: options.kubeconfig, context: kubeContext(options) });
        await runDiagnose(kube, options.namespace, diagnoseLog);
      } catch (error) {
        diagnoseLog.line(`no cluster to diagnose (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
      }
      return 0;
    }
    return await runPipeline(options, log, options.root ? resolve(options.root) : ROOT);
  } catch (error) {
    // Errors outside a stage (reading sources and manifests for the plan, bad --only): one line.
    process.stderr.write(`pipeline: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) process.exitCode = await main(process.argv.slice(2));
