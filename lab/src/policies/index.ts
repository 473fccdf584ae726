// Every policy, one line each: adding a policy is adding its file and its line here.
import { capacityAwarePolicy } from './capacity-aware.ts';
import { equalSplitPolicy } from './equal-split.ts';
import { ewmaLatencyPolicy } from './ewma-latency.ts';
import { inverseLatencyPolicy } from './inverse-latency.ts';
import type { PolicyDefinition } from './policy.ts';
import { staticPolicy } from './static.ts';
import { tailQuantilePolicy } from './tail-quantile.ts';
import { thompsonPolicy } from './thompson.ts';
import { ucbPolicy } from './ucb.ts';

export const POLICIES: readonly PolicyDefinition[] = [
  staticPolicy,
  equalSplitPolicy,
  inverseLatencyPolicy,
  ewmaLatencyPolicy,
  capacityAwarePolicy,
  tailQuantilePolicy,
  ucbPolicy,
  thompsonPolicy,
];

export function findPolicy(name: string): PolicyDefinition {
  const found = POLICIES.find((policy) => policy.name === name);
  if (!found) throw new Error(`unknown policy '${name}' (known: ${POLICIES.map((p) => p.name).join(', ')})`);
  return found;
}

export type { Policy, PolicyContext, PolicyDefinition } from './policy.ts';
