// Baseline: keeps whatever weights are in effect (the manifest's, e.g. 50/50).
import type { PolicyDefinition } from './policy.ts';

export const staticPolicy: PolicyDefinition = {
  name: 'static',
  summary: 'keeps the weights in effect',
  adaptive: false,
  create: () => ({ name: 'static', decide: (_observations, current) => current }),
};
