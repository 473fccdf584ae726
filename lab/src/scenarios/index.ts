// Every scenario, one line each.
import { bimodalCache } from './bimodal-cache.ts';
import { bursty } from './bursty.ts';
import { degradation } from './degradation.ts';
import { fastFailing } from './fast-failing.ts';
import { flakyVersion } from './flaky-version.ts';
import { heavyTail } from './heavy-tail.ts';
import { identical } from './identical.ts';
import { replicaLoss } from './replica-loss.ts';
import { scaleUp } from './scale-up.ts';
import type { Scenario, ScenarioSet } from './scenario.ts';
import { slowErrors } from './slow-errors.ts';
import { staleMetrics } from './stale-metrics.ts';
import { steadyHeterogeneous } from './steady-heterogeneous.ts';
import { surge } from './surge.ts';

export const SCENARIOS: readonly Scenario[] = [
  // tuning
  steadyHeterogeneous,
  degradation,
  surge,
  scaleUp,
  flakyVersion,
  // held-out
  bursty,
  fastFailing,
  replicaLoss,
  heavyTail,
  bimodalCache,
  slowErrors,
  identical,
  staleMetrics,
];

export function findScenario(name: string): Scenario {
  const found = SCENARIOS.find((scenario) => scenario.name === name);
  if (!found) throw new Error(`unknown scenario '${name}' (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  return found;
}

export function scenariosOf(set: ScenarioSet): Scenario[] {
  return SCENARIOS.filter((scenario) => scenario.set === set);
}

export type { Scenario, ScenarioChange, ScenarioSet } from './scenario.ts';
