// One decision, the same in the controller and in the simulator: fail static on bad metrics
// (without asking the policy), otherwise the policy's proposal through the guard rails.
import type { SubsetObservation } from '../core/observations.ts';
import type { Weights } from '../core/weights.ts';
import { assessObservations, guard, type GuardDecision, type GuardrailConfig, type GuardState } from '../guardrails.ts';
import type { Policy } from '../policies/policy.ts';

export interface ControlStepInput {
  readonly policy: Policy;
  readonly observations: readonly SubsetObservation[];
  readonly current: Weights;
  readonly nowSeconds: number;
  readonly state: GuardState;
  readonly config: GuardrailConfig;
}

export interface ControlStepResult extends GuardDecision {
  /** What the policy asked for, before the guard rails; undefined when it was not asked. */
  readonly proposal: Weights | undefined;
}

export function controlStep(input: ControlStepInput): ControlStepResult {
  const { policy, observations, current, nowSeconds, state, config } = input;
  const assessment = assessObservations(observations, config, nowSeconds);
  if (!assessment.healthy) {
    return { ...guard({ proposal: current, current, observations, nowSeconds, state, config }), proposal: undefined };
  }
  const proposal = policy.decide(observations, current, nowSeconds);
  return { ...guard({ proposal, current, observations, nowSeconds, state, config }), proposal };
}
