// Peak-EWMA of each subset's effective latency (errors penalised), as Linkerd's balancer keeps
// per endpoint: a rise is taken at once, a fall is trusted only as it decays, with a time
// constant of DECAY_DECISIONS control intervals (counted in decisions, so the policy behaves
// the same at a 5 s interval in the simulator and a 30 s one in the cluster). Weights are
// proportional to 1 / that estimate: the policy backs off a degrading subset at the first bad
// window and returns to it cautiously.
import { TUNED } from '../protocol/tuned.ts';
import type { PolicyDefinition } from './policy.ts';
import { effectiveLatencyMs, observationsBySubset, toWeights } from './scoring.ts';

const DECAY_DECISIONS = TUNED.ewmaLatency.decayDecisions;

export const ewmaLatencyPolicy: PolicyDefinition = {
  name: 'ewma-latency',
  summary: `weights proportional to 1 / peak-EWMA (decay ${DECAY_DECISIONS} intervals) of latency with errors penalised`,
  adaptive: true,
  create: ({ subsets }) => {
    const estimates = new Map<string, number>();
    const keep = Math.exp(-1 / DECAY_DECISIONS);
    return {
      name: 'ewma-latency',
      decide: (observations) => {
        const smoothed = observationsBySubset(observations, subsets).map((observation) => {
          const sample = effectiveLatencyMs(observation);
          const previous = estimates.get(observation.subset);
          const next = previous === undefined || sample >= previous ? sample : sample + (previous - sample) * keep;
          estimates.set(observation.subset, next);
          return next;
        });
        return toWeights(subsets, smoothed.map((estimate) => 1 / estimate));
      },
    };
  },
};
