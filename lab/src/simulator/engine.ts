// Discrete-event simulation of one routing strategy on one model, deterministic for a seed.
// Events: arrivals (one pending at a time), completions (a heap), and whole-second ticks
// (scrape, true conditions, control decisions, slices). Hot state lives in typed arrays.
import { Random } from '../core/random.ts';
import { weightOf, type Weights } from '../core/weights.ts';
import { CompletionHeap } from './heap.ts';
import { LatencyHistogram, latencyBin } from './latency-histogram.ts';
import type {
  ControlSettings,
  Routing,
  SimulationModel,
  SimulationResult,
  SliceStats,
  TrueSubsetState,
} from './model.ts';
import { SimulatedTelemetry } from './telemetry.ts';

export const SLICE_SECONDS = 10;

export function simulate(model: SimulationModel, control: ControlSettings, routing: Routing, seed: number): SimulationResult {
  validate(model, control);
  const root = new Random(seed);
  const arrivalRandom = root.fork();
  const routeRandom = root.fork();
  const serviceRandom = root.fork();

  const subsetNames = model.subsets.map((s) => s.name);
  const subsetCount = subsetNames.length;
  const podTotal = model.subsets.reduce((n, s) => n + s.pods, 0);
  const podSubset = new Int32Array(podTotal);
  const podSpeed = new Float64Array(podTotal);
  const podConcurrency = new Int32Array(podTotal);
  const podQueueLimit = new Int32Array(podTotal);
  const subsetFirstPod = new Int32Array(subsetCount);
  const subsetPodCount = new Int32Array(subsetCount);
  let maxQueue = 1;
  {
    let pod = 0;
    model.subsets.forEach((subset, s) => {
      subsetFirstPod[s] = pod;
      subsetPodCount[s] = subset.pods;
      for (let k = 0; k < subset.pods; k++, pod++) {
        podSubset[pod] = s;
        podSpeed[pod] = subset.podSpeedFactors?.[k] ?? 1;
        podConcurrency[pod] = subset.concurrency;
        podQueueLimit[pod] = subset.queueLimit;
      }
      maxQueue = Math.max(maxQueue, subset.queueLimit);
    });
  }
  const podMeanMs = new Float64Array(podTotal);
  const subsetErrorProbability = new Float64Array(subsetCount);
  const podBusy = new Int32Array(podTotal);
  const queueHead = new Int32Array(podTotal);
  const queueLength = new Int32Array(podTotal);
  const queueArrival = new Float64Array(podTotal * maxQueue);
  const queueProxy = new Int32Array(podTotal * maxQueue);
  const proxies = Math.max(1, model.clientProxies);
  const active = new Int32Array(proxies * podTotal);
  const heap = new CompletionHeap(model.subsets.reduce((n, s) => n + s.pods * s.concurrency, 0));

  const lognormalSigma = model.serviceTime.kind === 'lognormal' ? model.serviceTime.sigma : 0;
  const lognormalShift = -0.5 * lognormalSigma * lognormalSigma;
  const telemetry = new SimulatedTelemetry(subsetNames, control.windowSeconds);

  const weighted = routing.kind === 'subset-weights';
  let weights: Weights = weighted ? routing.initialWeights : {};
  const cumulative = new Float64Array(subsetCount);
  const setWeights = (next: Weights): void => {
    weights = next;
    const total = subsetNames.reduce((sum, name) => sum + Math.max(0, weightOf(next, name)), 0);
    let running = 0;
    subsetNames.forEach((name, s) => {
      running += total > 0 ? Math.max(0, weightOf(next, name)) / total : 1 / subsetCount;
      cumulative[s] = running;
    });
    cumulative[subsetCount - 1] = Infinity;
  };
  if (weighted) setWeights(routing.initialWeights);
  let pending: { weights: Weights; atSecond: number } | undefined;

  const weightsPerSecond: Record<string, number[]> = Object.fromEntries(subsetNames.map((n) => [n, [] as number[]]));
  const decisions: Record<string, number> = {};

  // Arrival process.
  const arrivals = model.arrivals;
  let inBurst = false;
  let phaseEndsMs = arrivals.kind === 'bursty' ? arrivalRandom.exponential(arrivals.meanCalmSeconds * 1000) : Infinity;
  const currentRate = (): number =>
    arrivals.kind === 'poisson' ? arrivals.ratePerSecond : inBurst ? arrivals.burstRatePerSecond : arrivals.calmRatePerSecond;
  const nextArrivalAfter = (now: number): number => {
    let t = now;
    for (;;) {
      const candidate = t + arrivalRandom.exponential(1000 / currentRate());
      if (candidate < phaseEndsMs || arrivals.kind !== 'bursty') return candidate;
      t = phaseEndsMs;
      inBurst = !inBurst;
      phaseEndsMs = t + arrivalRandom.exponential((inBurst ? arrivals.meanBurstSeconds : arrivals.meanCalmSeconds) * 1000);
    }
  };

  // Scores.
  const warmupMs = model.warmupSeconds * 1000;
  const overall = new LatencyHistogram();
  let counted = 0;
  let countedErrors = 0;
  let latencySum = 0;
  let simulatedRequests = 0;
  const slices: SliceStats[] = [];
  const sliceHistograms: LatencyHistogram[] = [];
  let slice = new LatencyHistogram(3);
  let sliceErrors = 0;
  let sliceSubsetCounts = new Float64Array(subsetCount);

  const record = (subset: number, arrivalMs: number, latencyMs: number, isError: boolean): void => {
    telemetry.record(subset, latencyMs, isError);
    if (arrivalMs < warmupMs) return;
    const bin = latencyBin(latencyMs);
    overall.addBin(bin);
    slice.addBin(bin);
    sliceSubsetCounts[subset]! += 1;
    counted++;
    latencySum += latencyMs;
    if (isError) {
      countedErrors++;
      sliceErrors++;
    }
  };
  const serviceTime = (pod: number): number => {
    const mean = podMeanMs[pod] as number;
    if (lognormalSigma === 0) return -mean * Math.log(1 - serviceRandom.next());
    return mean * Math.exp(lognormalSigma * serviceRandom.normal() + lognormalShift);
  };
  const closeSlice = (second: number): void => {
    const requests = slice.total;
    slices.push({
      startSeconds: second - SLICE_SECONDS,
      requests,
      errorRate: requests > 0 ? sliceErrors / requests : 0,
      p50: slice.quantile(0.5),
      p99: slice.quantile(0.99),
      shares: Object.fromEntries(subsetNames.map((name, s) => [name, requests > 0 ? (sliceSubsetCounts[s] as number) / requests : 0])),
    });
    sliceHistograms.push(slice);
    slice = new LatencyHistogram(3);
    sliceErrors = 0;
    sliceSubsetCounts = new Float64Array(subsetCount);
  };
  const meanArrivalRate =
    arrivals.kind === 'poisson'
      ? arrivals.ratePerSecond
      : (arrivals.calmRatePerSecond * arrivals.meanCalmSeconds + arrivals.burstRatePerSecond * arrivals.meanBurstSeconds) /
        (arrivals.meanCalmSeconds + arrivals.meanBurstSeconds);
  const truth = (): { arrivalRatePerSecond: number; subsets: TrueSubsetState[] } => ({
    arrivalRatePerSecond: meanArrivalRate,
    subsets: model.subsets.map((subset, s) => ({
      name: subset.name,
      concurrency: subset.concurrency,
      queueLimit: subset.queueLimit,
      errorProbability: subsetErrorProbability[s] as number,
      podMeanServiceMs: Array.from(podMeanMs.subarray(subsetFirstPod[s], (subsetFirstPod[s] as number) + subset.pods)),
    })),
  });

  const tick = (second: number): void => {
    if (second > 0) telemetry.scrape(second);
    if (second > 0 && second % SLICE_SECONDS === 0) closeSlice(second);
    if (second >= model.durationSeconds) return;
    if (pending && pending.atSecond <= second) {
      setWeights(pending.weights);
      pending = undefined;
    }
    subsetNames.forEach((name, s) => {
      const conditions = model.conditions(name, second);
      subsetErrorProbability[s] = conditions.errorProbability;
      const first = subsetFirstPod[s] as number;
      for (let pod = first; pod < first + (subsetPodCount[s] as number); pod++) {
        podMeanMs[pod] = conditions.meanServiceMs * (podSpeed[pod] as number);
      }
    });
    if (weighted && routing.onControl && second > 0 && second % control.intervalSeconds === 0) {
      const outcome = routing.onControl({
        nowSeconds: second,
        observations: telemetry.observe(control.windowSeconds, second),
        current: pending?.weights ?? weights,
        truth: truth(),
      });
      decisions[outcome.action] = (decisions[outcome.action] ?? 0) + 1;
      if (control.actuationDelaySeconds <= 0) setWeights(outcome.weights);
      else pending = { weights: outcome.weights, atSecond: second + control.actuationDelaySeconds };
    }
    if (weighted) for (const name of subsetNames) (weightsPerSecond[name] as number[]).push(weightOf(weights, name));
  };

  const endMs = model.durationSeconds * 1000;
  let nextTickMs = 0;
  let tickSecond = 0;
  let nextArrivalMs = nextArrivalAfter(0);
  const errorLatency = model.errorLatencyMs;

  for (;;) {
    const completionMs = heap.topTime();
    if (nextTickMs <= completionMs && nextTickMs <= nextArrivalMs) {
      if (tickSecond > model.durationSeconds) break;
      tick(tickSecond);
      tickSecond++;
      nextTickMs = tickSecond * 1000;
      continue;
    }
    if (completionMs <= nextArrivalMs) {
      const now = completionMs;
      const arrival = heap.topArrival();
      const tag = heap.topTag();
      heap.pop();
      const pod = (tag / proxies) | 0;
      const proxy = tag - pod * proxies;
      active[proxy * podTotal + pod]! -= 1;
      record(podSubset[pod] as number, arrival, now - arrival, false);
      const waiting = queueLength[pod] as number;
      if (waiting > 0) {
        const slot = pod * maxQueue + (queueHead[pod] as number);
        queueHead[pod] = ((queueHead[pod] as number) + 1) % (podQueueLimit[pod] as number);
        queueLength[pod] = waiting - 1;
        heap.push(now + serviceTime(pod), queueArrival[slot] as number, pod * proxies + (queueProxy[slot] as number));
      } else {
        podBusy[pod]! -= 1;
      }
      continue;
    }

    // Arrival.
    const now = nextArrivalMs;
    if (now >= endMs) {
      nextArrivalMs = Infinity;
      continue;
    }
    nextArrivalMs = nextArrivalAfter(now);
    simulatedRequests++;
    const proxy = proxies === 1 ? 0 : routeRandom.int(proxies);
    let subset = 0;
    let first = 0;
    let count = podTotal;
    if (weighted) {
      const u = routeRandom.next();
      while (u >= (cumulative[subset] as number)) subset++;
      first = subsetFirstPod[subset] as number;
      count = subsetPodCount[subset] as number;
    }
    let pod = first;
    if (count > 1) {
      const i = routeRandom.int(count);
      let j = routeRandom.int(count - 1);
      if (j >= i) j++;
      const base = proxy * podTotal + first;
      pod = first + ((active[base + j] as number) < (active[base + i] as number) ? j : i);
    }
    subset = podSubset[pod] as number;
    if (routeRandom.next() < (subsetErrorProbability[subset] as number)) {
      record(subset, now, errorLatency, true);
      continue;
    }
    if ((podBusy[pod] as number) < (podConcurrency[pod] as number)) {
      podBusy[pod]! += 1;
      active[proxy * podTotal + pod]! += 1;
      heap.push(now + serviceTime(pod), now, pod * proxies + proxy);
    } else if ((queueLength[pod] as number) < (podQueueLimit[pod] as number)) {
      const slot = pod * maxQueue + (((queueHead[pod] as number) + (queueLength[pod] as number)) % (podQueueLimit[pod] as number));
      queueArrival[slot] = now;
      queueProxy[slot] = proxy;
      queueLength[pod]! += 1;
      active[proxy * podTotal + pod]! += 1;
    } else {
      record(subset, now, errorLatency, true);
    }
  }

  return {
    requests: counted,
    errors: countedErrors,
    errorRate: counted > 0 ? countedErrors / counted : 0,
    latencyMs: {
      mean: counted > 0 ? latencySum / counted : NaN,
      p50: overall.quantile(0.5),
      p95: overall.quantile(0.95),
      p99: overall.quantile(0.99),
    },
    weightsPerSecond,
    slices,
    sliceHistograms,
    decisions,
    simulatedRequests,
  };
}

function validate(model: SimulationModel, control: ControlSettings): void {
  const problems: string[] = [];
  if (model.subsets.length === 0) problems.push('no subsets');
  for (const subset of model.subsets) {
    if (!(subset.pods >= 1 && subset.concurrency >= 1 && subset.queueLimit >= 1)) {
      problems.push(`subset ${subset.name}: pods, concurrency and queueLimit must be at least 1`);
    }
  }
  if (!(model.durationSeconds > 0)) problems.push('durationSeconds must be positive');
  if (!(Number.isInteger(control.intervalSeconds) && control.intervalSeconds >= 1)) problems.push('intervalSeconds must be an integer >= 1');
  if (!(Number.isInteger(control.windowSeconds) && control.windowSeconds >= 1)) problems.push('windowSeconds must be an integer >= 1');
  if (problems.length > 0) throw new Error(`invalid simulation: ${problems.join('; ')}`);
}
