// Thompson sampling: draws each subset's log-latency from its posterior (Kalman-tracked) and
// moves the weights halfway toward the probability of each subset being the fastest
// (probability matching). Seeded, so runs are reproducible.
import { TUNED } from '../protocol/tuned.ts';
import { Random } from '../core/random.ts';
import { LogLatencyTracker } from './log-latency-tracker.ts';
import type { PolicyDefinition } from './policy.ts';
import { currentShares, observationsBySubset, toWeights } from './scoring.ts';

const DRAWS = TUNED.thompson.draws;
const SMOOTHING = TUNED.thompson.smoothing;

export const thompsonPolicy: PolicyDefinition = {
  name: 'thompson',
  summary: `Thompson sampling on log-latency (Kalman-tracked), weights moved ${SMOOTHING * 100}% toward P(fastest)`,
  adaptive: true,
  create: ({ subsets, seed }) => {
    const tracker = new LogLatencyTracker();
    const random = new Random(seed);
    return {
      name: 'thompson',
      decide: (observations, current) => {
        const beliefs = observationsBySubset(observations, subsets).map((o) => tracker.update(o));
        const wins = subsets.map(() => 0);
        for (let draw = 0; draw < DRAWS; draw++) {
          let best = 0;
          let bestValue = Infinity;
          beliefs.forEach((belief, i) => {
            const value = belief.mean + Math.sqrt(belief.variance) * random.normal();
            if (value < bestValue) {
              bestValue = value;
              best = i;
            }
          });
          wins[best] = (wins[best] as number) + 1;
        }
        const shares = currentShares(current, subsets);
        return toWeights(subsets, shares.map((share, i) => (1 - SMOOTHING) * share + (SMOOTHING * (wins[i] as number)) / DRAWS));
      },
    };
  },
};
