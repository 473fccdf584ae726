// Peak-EWMA of each subset's effective latency (errors penalised), as Linkerd's balancer keeps
// per endpoint: a rise is taken at once, a fall is trusted only as it decays with time
// constant DECAY_SECONDS. Weights are proportional to 1 / that estimate, so the policy backs
// off a degrading subset at the first bad window and returns to it cautiously.
import type { PolicyDefinition } from './policy.ts';
import { effectiveLatencyMs, observationsBySubset, toWeights } from './scoring.ts';

const DECAY_SECONDS = 20;

export const ewmaLatencyPolicy: PolicyDefinition = {
  name: 'ewma-latency',
  summary: `weights proportional to 1 / peak-EWMA (decay ${DECAY_SECONDS}s) of latency with errors penalised`,
  adaptive: true,
  create: ({ subsets }) => {
    const estimates = new Map<string, number>();
    let lastSeconds: number | undefined;
    return {
      name: 'ewma-latency',
      decide: (observations, _current, nowSeconds) => {
        const elapsed = lastSeconds === undefined ? Infinity : Math.max(0, nowSeconds - lastSeconds);
        lastSeconds = nowSeconds;
        const keep = Math.exp(-elapsed / DECAY_SECONDS);
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
