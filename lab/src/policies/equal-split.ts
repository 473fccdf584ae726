// Baseline: the same share for every subset, whatever happens.
import { equalWeights } from '../core/weights.ts';
import type { PolicyDefinition } from './policy.ts';

export const equalSplitPolicy: PolicyDefinition = {
  name: 'equal-split',
  summary: 'the same weight for every subset',
  adaptive: false,
  create: ({ subsets }) => {
    const weights = equalWeights(subsets);
    return { name: 'equal-split', decide: () => weights };
  },
};
