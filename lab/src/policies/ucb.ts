// Upper-confidence-bound bandit over subsets. Each subset's log-latency is tracked with its
// uncertainty; the index is the optimistic (lower) bound of latency, so a subset seen through
// little traffic gets the benefit of the doubt. The subset with the best index takes a share
// of the others' traffic that grows with its lead (not all of it: subsets have a capacity).
import { TUNED } from '../protocol/tuned.ts';
import { LogLatencyTracker } from './log-latency-tracker.ts';
import type { PolicyDefinition } from './policy.ts';
import { currentShares, observationsBySubset, toWeights } from './scoring.ts';

const EXPLORATION = TUNED.ucb.exploration;
/** Largest fraction of the others' traffic the leader takes in one decision. */
const MAX_TRANSFER = TUNED.ucb.maxTransfer;
/** Lead (in log-latency) at which the transfer is tanh(1) of the maximum. */
const LEAD_SCALE = TUNED.ucb.leadScale;

export const ucbPolicy: PolicyDefinition = {
  name: 'ucb',
  summary: `UCB bandit on log-latency (Kalman-tracked); the best optimistic subset takes up to ${MAX_TRANSFER * 100}% of the others' traffic`,
  adaptive: true,
  create: ({ subsets }) => {
    const tracker = new LogLatencyTracker();
    return {
      name: 'ucb',
      decide: (observations, current) => {
        const indices = observationsBySubset(observations, subsets).map((observation) => {
          const belief = tracker.update(observation);
          return -(belief.mean - EXPLORATION * Math.sqrt(belief.variance));
        });
        const leader = indices.indexOf(Math.max(...indices));
        const runnerUp = Math.max(...indices.filter((_, i) => i !== leader));
        const transfer = MAX_TRANSFER * Math.tanh(((indices[leader] as number) - runnerUp) / LEAD_SCALE);
        const shares = currentShares(current, subsets).map((share, i) =>
          i === leader ? share + transfer * (1 - share) : share * (1 - transfer),
        );
        return toWeights(subsets, shares);
      },
    };
  },
};
