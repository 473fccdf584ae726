// Every scenario, one line each.
import { bursty } from './bursty.ts';
import { degradation } from './degradation.ts';
import { fastFailing } from './fast-failing.ts';
import type { Scenario, ScenarioSet } from './scenario.ts';
import { steadyHeterogeneous } from './steady-heterogeneous.ts';

export const SCENARIOS: readonly Scenario[] = [steadyHeterogeneous, degradation, bursty, fastFailing];

export function findScenario(name: string): Scenario {
  const found = SCENARIOS.find((scenario) => scenario.name === name);
  if (!found) throw new Error(`unknown scenario '${name}' (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
  return found;
}

export function scenariosOf(set: ScenarioSet): Scenario[] {
  return SCENARIOS.filter((scenario) => scenario.set === set);
}

export type { Scenario, ScenarioChange, ScenarioSet } from './scenario.ts';
