// The oracle baseline: knows every pod's true service time, the error probabilities and the
// mean arrival rate, and picks the integer weights (same floor as the policies) that minimise the
// predicted mean cost of a request, each pod modelled as an M/M/c queue, failures costed at
// the same penalty the policies use. No window, no step limit, no hysteresis.
import type { Weights } from '../core/weights.ts';
import { ERROR_PENALTY_MS } from '../policies/scoring.ts';
import type { ControlView, TrueSubsetState } from '../simulator/model.ts';

/** Mean response time (ms) of an M/M/c queue; Infinity when overloaded. */
export function mmcResponseMs(arrivalPerMs: number, meanServiceMs: number, servers: number): number {
  const load = arrivalPerMs * meanServiceMs;
  if (load >= servers) return Infinity;
  if (load === 0) return meanServiceMs;
  let term = 1;
  let sum = 1;
  for (let k = 1; k < servers; k++) {
    term *= load / k;
    sum += term;
  }
  const top = ((term * load) / servers) * (servers / (servers - load));
  const waitProbability = top / (sum + top);
  return meanServiceMs + (waitProbability * meanServiceMs) / (servers - load);
}

/** Predicted total cost per ms of a subset receiving `arrivalPerMs`, split across pods by capacity. */
export function subsetCost(subset: TrueSubsetState, arrivalPerMs: number): number {
  if (arrivalPerMs === 0) return 0;
  const capacities = subset.podMeanServiceMs.map((mean) => subset.concurrency / mean);
  const totalCapacity = capacities.reduce((sum, c) => sum + c, 0);
  const served = arrivalPerMs * (1 - subset.errorProbability);
  let latency = 0;
  subset.podMeanServiceMs.forEach((mean, i) => {
    const podArrival = (served * (capacities[i] as number)) / totalCapacity;
    const response = mmcResponseMs(podArrival, mean, subset.concurrency);
    // Overload: cost grows with the excess so that the search still has a gradient.
    latency += podArrival * (Number.isFinite(response) ? response : 1e6 * (1 + podArrival * mean));
  });
  return latency + arrivalPerMs * subset.errorProbability * ERROR_PENALTY_MS;
}

/** Greedy allocation of percent units to the cheapest marginal subset (optimal for convex costs). */
export function oracleWeights(view: ControlView, floorPercent: number): Weights {
  const { subsets, arrivalRatePerSecond } = view.truth;
  const perUnit = arrivalRatePerSecond / 1000 / 100;
  const units = subsets.map(() => floorPercent);
  const cost = (i: number, u: number): number => subsetCost(subsets[i] as TrueSubsetState, u * perUnit);
  for (let left = 100 - floorPercent * subsets.length; left > 0; left--) {
    let best = 0;
    let bestIncrease = Infinity;
    units.forEach((u, i) => {
      const increase = cost(i, u + 1) - cost(i, u);
      if (increase < bestIncrease) {
        bestIncrease = increase;
        best = i;
      }
    });
    units[best] = (units[best] as number) + 1;
  }
  return Object.fromEntries(subsets.map((subset, i) => [subset.name, units[i] as number]));
}
