// Peak-EWMA of each subset's effective latency (a rise is taken at once, a fall decays with
// time constant tau, as Linkerd's balancer does), with errors penalised. Weights are updated
// multiplicatively, w_i <- w_i / ewma_i^gain, whose fixed point is equal latency everywhere.
import type { PolicyDefinition } from './policy.ts';
import { currentShares, effectiveLatencyMs, observationsBySubset, toWeights } from './scoring.ts';

const DECAY_SECONDS = 30;
const GAIN = 1;
/** Shares below this are lifted before the update so that a starved subset can come back. */
const MIN_SHARE = 0.02;

export const ewmaLatencyPolicy: PolicyDefinition = {
  name: 'ewma-latency',
  summary: `peak-EWMA (decay ${DECAY_SECONDS}s) of latency with errors penalised; multiplicative update toward equal latency`,
  adaptive: true,
  create: ({ subsets }) => {
    const ewma = new Map<string, number>();
    let lastSeconds: number | undefined;
    return {
      name: 'ewma-latency',
      decide: (observations, current, nowSeconds) => {
        const elapsed = lastSeconds === undefined ? Infinity : Math.max(0, nowSeconds - lastSeconds);
        lastSeconds = nowSeconds;
        const keep = Math.exp(-elapsed / DECAY_SECONDS);
        const smoothed = observationsBySubset(observations, subsets).map((observation) => {
          const sample = effectiveLatencyMs(observation);
          const previous = ewma.get(observation.subset);
          const next = previous === undefined || sample > previous ? sample : sample + (previous - sample) * keep;
          ewma.set(observation.subset, next);
          return next;
        });
        const shares = currentShares(current, subsets);
        return toWeights(subsets, shares.map((share, i) => Math.max(share, MIN_SHARE) / Math.pow(smoothed[i] as number, GAIN)));
      },
    };
  },
};
