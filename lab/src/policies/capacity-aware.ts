// Subset-level least-request: weights toward pods / effective latency. By Little's law a pod of
// subset i holds share_i x rate x latency_i / pods_i requests in flight, so at the fixed point
// every pod holds the same number, as least-request aims for per request. It reads the pod count
// Prometheus sees now (not averaged over the window), so it moves as soon as a subset loses or
// gains replicas, before latency shows it. Geometric smoothing damps the feedback of latency on share.
import { TUNED } from '../protocol/tuned.ts';
import type { PolicyDefinition } from './policy.ts';
import { currentShares, effectiveLatencyMs, observationsBySubset, toWeights } from './scoring.ts';

const SMOOTHING = TUNED.capacityAware.smoothing;

export const podsOf = (pods: number): number => (Number.isFinite(pods) && pods > 0 ? pods : 1);

/** Moves shares geometrically toward targets: share^(1 - s) x target^s, renormalised. */
export function geometricStep(shares: readonly number[], targets: readonly number[], smoothing: number): number[] {
  const targetTotal = targets.reduce((sum, v) => sum + v, 0);
  return shares.map((share, i) => Math.pow(Math.max(share, 1e-6), 1 - smoothing) * Math.pow(Math.max((targets[i] as number) / targetTotal, 1e-6), smoothing));
}

export const capacityAwarePolicy: PolicyDefinition = {
  name: 'capacity-aware',
  summary: `weights toward pods / effective latency (equal requests in flight per pod), pods as Prometheus sees them now, geometric smoothing ${SMOOTHING}`,
  adaptive: true,
  create: ({ subsets }) => ({
    name: 'capacity-aware',
    decide: (observations, current) => {
      const targets = observationsBySubset(observations, subsets).map((o) => podsOf(o.pods) / effectiveLatencyMs(o));
      return toWeights(subsets, geometricStep(currentShares(current, subsets), targets, SMOOTHING));
    },
  }),
};
