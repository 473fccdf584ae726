// Weights proportional to 1 / effective latency of the last window. Stateless; at its fixed
// point share x latency is equal across subsets, i.e. (Little's law) equal requests in flight.
import type { PolicyDefinition } from './policy.ts';
import { effectiveLatencyMs, observationsBySubset, toWeights } from './scoring.ts';

export const inverseLatencyPolicy: PolicyDefinition = {
  name: 'inverse-latency',
  summary: 'weights proportional to 1 / (latency with errors penalised) over the last window',
  adaptive: true,
  create: ({ subsets }) => ({
    name: 'inverse-latency',
    decide: (observations) =>
      toWeights(subsets, observationsBySubset(observations, subsets).map((o) => 1 / effectiveLatencyMs(o))),
  }),
};
