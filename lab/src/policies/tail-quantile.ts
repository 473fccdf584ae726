// Like capacity-aware, but on a tail quantile from Istio's latency histogram
// (histogram_quantile over the window's buckets) instead of the mean: a subset whose mean looks
// good but whose tail is long (heavy-tailed or bimodal service) is judged by its tail.
import { histogramQuantile } from '../core/observations.ts';
import { TUNED } from '../protocol/tuned.ts';
import { geometricStep, podsOf } from './capacity-aware.ts';
import type { PolicyDefinition } from './policy.ts';
import { currentShares, observationsBySubset, requestCostMs, toWeights } from './scoring.ts';

const { quantile: QUANTILE, smoothing: SMOOTHING } = TUNED.quantile;

export const tailQuantilePolicy: PolicyDefinition = {
  name: 'tail-quantile',
  summary: `weights toward pods / p${QUANTILE * 100} (histogram_quantile of Istio's buckets, errors at the penalty), geometric smoothing ${SMOOTHING}`,
  adaptive: true,
  create: ({ subsets }) => ({
    name: 'tail-quantile',
    decide: (observations, current) => {
      const targets = observationsBySubset(observations, subsets).map((o) => {
        const q = histogramQuantile(QUANTILE, o.buckets);
        const tail = Number.isFinite(q) && q > 0 ? q : Math.max(o.meanLatencyMs, 0.001);
        return podsOf(o.pods) / requestCostMs(tail, o.errorRate);
      });
      return toWeights(subsets, geometricStep(currentShares(current, subsets), targets, SMOOTHING));
    },
  }),
};
