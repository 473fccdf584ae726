// Shared by the bandit policies: a Kalman filter per subset on the log of its effective
// latency, modelled as a random walk (so old evidence fades and a change is followed).
// Observation noise shrinks with the number of requests behind the window.
import type { SubsetObservation } from '../core/observations.ts';
import { TUNED } from '../protocol/tuned.ts';
import { effectiveLatencyMs } from './scoring.ts';

/** Variance per interval of the random walk: how fast a subset's latency may drift (log units). */
const DRIFT_VARIANCE = TUNED.logLatencyTracker.driftVariance;
/** Noise of one window's mean that does not average out (bucket effects, correlations). */
const BASE_NOISE_VARIANCE = TUNED.logLatencyTracker.baseNoiseVariance;
/** Squared coefficient of variation of one request's latency (about 1 for exponential times). */
const REQUEST_CV2 = TUNED.logLatencyTracker.requestCv2;

export interface Belief {
  readonly mean: number;
  readonly variance: number;
}

export class LogLatencyTracker {
  private readonly beliefs = new Map<string, Belief>();

  update(observation: SubsetObservation): Belief {
    const sample = Math.log(effectiveLatencyMs(observation));
    const requests = Math.max(1, observation.requestRate * observation.windowSeconds);
    const noise = BASE_NOISE_VARIANCE + REQUEST_CV2 / requests;
    const prior = this.beliefs.get(observation.subset);
    const belief: Belief = prior
      ? kalmanStep(prior, sample, noise)
      : { mean: sample, variance: noise + DRIFT_VARIANCE };
    this.beliefs.set(observation.subset, belief);
    return belief;
  }
}

function kalmanStep(prior: Belief, sample: number, noise: number): Belief {
  const predicted = prior.variance + DRIFT_VARIANCE;
  const gain = predicted / (predicted + noise);
  return { mean: prior.mean + gain * (sample - prior.mean), variance: (1 - gain) * predicted };
}
