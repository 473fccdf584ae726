// `npm run lab:live -- SCENARIO [--seconds 240] [--rate-scale 0.1] [--seed 1] [--sim-seeds 7]`:
// the scenario's live profile played for real (static 50/50, then the frozen candidate
// controller) against the test environment's servers with Istio's timing (15 s scrapes, 30 s
// decisions, 60 s windows), beside the simulator on the same profile. Writes
// lab/results/live/<scenario>.md and .json; the last line is the headline.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadTestEnv, testEnvFilePath } from '@shopmesh/testkit';
import { MESH_TELEMETRY } from '../core/mesh.ts';
import { TUNED } from '../protocol/tuned.ts';
import { findScenario } from '../scenarios/index.ts';
import { undoAll } from './cleanup.ts';
import { liveExperiment, LIVE_ENVIRONMENT_KEYS, type LiveEnvironment } from './experiment.ts';
import { DEFAULT_LIVE_PROFILE } from './profile.ts';
import { headline, liveReport } from './report.ts';

const RESULTS = new URL('../../results/live/', import.meta.url).pathname;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function positiveNumber(name: string, raw: string | undefined, fallback: number, integer = false): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) fail(`--${name} must be a positive ${integer ? 'integer' : 'number'} (got '${raw}')`);
  return value;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { seconds: { type: 'string' }, 'rate-scale': { type: 'string' }, seed: { type: 'string' }, 'sim-seeds': { type: 'string' } },
  });
  const name = positionals[0];
  if (!name || positionals.length > 1) fail('usage: npm run lab:live -- SCENARIO [--seconds 240] [--rate-scale 0.1] [--seed 1] [--sim-seeds 7]');
  let scenario;
  try {
    scenario = findScenario(name);
  } catch (error) {
    fail((error as Error).message);
  }
  const env = loadTestEnv();
  const missing = LIVE_ENVIRONMENT_KEYS.filter((k) => !env[k]);
  if (missing.length > 0) fail(`the live loop needs the test environment's ${missing.join(', ')} (env file ${testEnvFilePath()}): run testenv/up`);
  const environment = Object.fromEntries(LIVE_ENVIRONMENT_KEYS.map((k) => [k, env[k]])) as unknown as LiveEnvironment;
  const profile = {
    durationSeconds: positiveNumber('seconds', values.seconds, DEFAULT_LIVE_PROFILE.durationSeconds),
    rateScale: positiveNumber('rate-scale', values['rate-scale'], DEFAULT_LIVE_PROFILE.rateScale),
  };
  process.once('SIGINT', () => {
    console.error('interrupted: stopping the processes, removing the target, the namespace and the database');
    void undoAll().then(() => process.exit(130));
  });
  const experiment = await liveExperiment({
    scenario,
    profile,
    control: MESH_TELEMETRY,
    seed: positiveNumber('seed', values.seed, 1, true),
    extraSimulatedSeeds: positiveNumber('sim-seeds', values['sim-seeds'], 7, true),
    candidate: TUNED.candidatePolicy,
    environment,
    log: (line) => console.log(line),
  }).catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
  const report = liveReport(experiment);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${scenario.name}.md`), report);
  writeFileSync(join(RESULTS, `${scenario.name}.json`), `${JSON.stringify(experiment, null, 2)}\n`);
  console.log(`\n${report}`);
  console.log(`report: lab/results/live/${scenario.name}.md`);
  console.log(headline(experiment));
}

await main();
