// Discrete-event simulation of one routing strategy on one model, deterministic for a seed.
// Events: arrivals (one pending at a time), completions and retries (two heaps), and
// whole-second ticks (conditions, pods, scrapes, outlier sweeps, control decisions, slices).
// Hot state lives in typed arrays.
//
// What the client sees and what the mesh reports are kept apart, as in Istio: the scores are
// per request as the client sees it (retries included, a final failure counted as a failure),
// while the telemetry is per attempt as the destination's sidecar reports it.
import { ISTIO_DEFAULT_RETRIES } from '../core/mesh.ts';
import { Random } from '../core/random.ts';
import { weightOf, type Weights } from '../core/weights.ts';
import { EventHeap } from './heap.ts';
import { LatencyHistogram, latencyBin } from './latency-histogram.ts';
import { ProbePool } from './probe-pool.ts';
import type { ControlSettings, PrequalSettings, Routing, ServiceTimeShape, SimulationModel, SimulationResult, SliceStats, TrueSubsetState } from './model.ts';
import { SimulatedTelemetry } from './telemetry.ts';

export const SLICE_SECONDS = 10;
/** Where a request that finally failed is placed in the client's latency distribution: above every success. */
export const FAILED_REQUEST_SCORE_MS = 10_000;
/** A refused connection (a pod that stopped, still in the endpoints) fails this fast. */
const CONNECT_FAILURE_MS = 1;

const SLOW_ERROR = 4;
const ATTEMPT_MASK = 3;

const SHAPE_EXPONENTIAL = 0;
const SHAPE_LOGNORMAL = 1;
const SHAPE_PARETO = 2;
const SHAPE_BIMODAL = 3;

/** A shape as numbers for the hot loop: its code and up to three parameters. */
function shapeCode(shape: ServiceTimeShape): { code: number; a: number; b: number; c: number } {
  switch (shape.kind) {
    case 'exponential':
      return { code: SHAPE_EXPONENTIAL, a: 0, b: 0, c: 0 };
    case 'lognormal':
      return { code: SHAPE_LOGNORMAL, a: shape.sigma, b: -0.5 * shape.sigma * shape.sigma, c: 0 };
    case 'pareto':
      // Scale x_m = mean (alpha - 1) / alpha; a sample is x_m U^(-1/alpha).
      return { code: SHAPE_PARETO, a: (shape.alpha - 1) / shape.alpha, b: -1 / shape.alpha, c: 0 };
    case 'bimodal': {
      // Fast mode mean m0, slow mode k m0 with probability p: mean = m0 (1 - p + p k).
      const fast = 1 / (1 - shape.slowProbability + shape.slowProbability * shape.slowFactor);
      return { code: SHAPE_BIMODAL, a: shape.slowProbability, b: fast, c: fast * shape.slowFactor };
    }
  }
}

export function simulate(model: SimulationModel, control: ControlSettings, routing: Routing, seed: number): SimulationResult {
  validate(model, control);
  const root = new Random(seed);
  const arrivalRandom = root.fork();
  const routeRandom = root.fork();
  const serviceRandom = root.fork();
  const meshRandom = root.fork();

  const subsetNames = model.subsets.map((s) => s.name);
  const subsetCount = subsetNames.length;
  const podTotal = model.subsets.reduce((n, s) => n + s.pods, 0);
  const podSubset = new Int32Array(podTotal);
  const podSpeed = new Float64Array(podTotal);
  const podConcurrency = new Int32Array(podTotal);
  const podQueueLimit = new Int32Array(podTotal);
  const subsetFirstPod = new Int32Array(subsetCount);
  const subsetPodCount = new Int32Array(subsetCount);
  const subsetShape = new Int32Array(subsetCount);
  const subsetShapeA = new Float64Array(subsetCount);
  const subsetShapeB = new Float64Array(subsetCount);
  const subsetShapeC = new Float64Array(subsetCount);
  let maxQueue = 1;
  {
    let pod = 0;
    model.subsets.forEach((subset, s) => {
      subsetFirstPod[s] = pod;
      subsetPodCount[s] = subset.pods;
      const shape = shapeCode(subset.serviceTime ?? model.serviceTime);
      subsetShape[s] = shape.code;
      subsetShapeA[s] = shape.a;
      subsetShapeB[s] = shape.b;
      subsetShapeC[s] = shape.c;
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
  const subsetSlowErrorProbability = new Float64Array(subsetCount);
  const podBusy = new Int32Array(podTotal);
  const queueHead = new Int32Array(podTotal);
  const queueLength = new Int32Array(podTotal);
  const queueStart = new Float64Array(podTotal * maxQueue);
  const queueOrigin = new Float64Array(podTotal * maxQueue);
  const queueProxy = new Int32Array(podTotal * maxQueue);
  const queueMeta = new Int32Array(podTotal * maxQueue);
  const queueService = new Float64Array(podTotal * maxQueue);
  const proxies = Math.max(1, model.clientProxies);
  const active = new Int32Array(proxies * podTotal);
  const completions = new EventHeap(model.subsets.reduce((n, s) => n + s.pods * s.concurrency, 0));
  const retryHeap = new EventHeap(64);
  const retryPolicy = model.retries ?? ISTIO_DEFAULT_RETRIES;
  const timeoutMs = model.timeoutMs ?? Infinity;
  const telemetry = new SimulatedTelemetry(subsetNames, control.windowSeconds, control.scrapeIntervalSeconds, meshRandom.int(control.scrapeIntervalSeconds));

  // Pods: running (accept work) and in the sidecars' endpoints (receive work), which lags.
  const podRunning = new Uint8Array(podTotal);
  const podInEndpoints = new Uint8Array(podTotal);
  const podEndpointChangeAt = new Float64Array(podTotal).fill(Infinity);
  const endpointDelay = model.endpointDelaySeconds ?? 2;

  const runningPods = (): number[] =>
    subsetNames.map((_, s) => {
      let n = 0;
      for (let pod = subsetFirstPod[s] as number; pod < (subsetFirstPod[s] as number) + (subsetPodCount[s] as number); pod++) n += podRunning[pod] as number;
      return n;
    });

  // Clusters: one per subset (weighted routing) or one of every pod; lists of endpoints.
  const weighted = routing.kind === 'subset-weights';
  const clusterCount = weighted ? subsetCount : 1;
  const clusterOf = (pod: number): number => (weighted ? (podSubset[pod] as number) : 0);
  const clusterPods = Array.from({ length: clusterCount }, () => new Int32Array(podTotal));
  const clusterSize = new Int32Array(clusterCount);
  const rebuildClusters = (): void => {
    clusterSize.fill(0);
    for (let pod = 0; pod < podTotal; pod++) {
      if (!podInEndpoints[pod]) continue;
      const c = clusterOf(pod);
      (clusterPods[c] as Int32Array)[clusterSize[c]!++] = pod;
    }
  };

  // Outlier detection, per proxy and host.
  const outlier = model.outlierDetection;
  const ejectedUntil = new Float64Array(outlier ? proxies * podTotal : 0);
  const consecutive = new Int32Array(outlier ? proxies * podTotal : 0);
  const ejectionCount = new Int32Array(outlier ? proxies * podTotal : 0);
  const clusterEjected = new Int32Array(proxies * clusterCount);
  let ejections = 0;
  const onAttemptFailed = (proxy: number, pod: number, nowMs: number): void => {
    if (!outlier) return;
    const k = proxy * podTotal + pod;
    const count = (consecutive[k] as number) + 1;
    consecutive[k] = count;
    if (count < outlier.consecutive5xxErrors || (ejectedUntil[k] as number) > 0) return;
    const c = proxy * clusterCount + clusterOf(pod);
    const hosts = clusterSize[clusterOf(pod)] as number;
    if (hosts === 0 || ((clusterEjected[c] as number) / hosts) * 100 >= outlier.maxEjectionPercent) return;
    ejectionCount[k] = (ejectionCount[k] as number) + 1;
    ejectedUntil[k] = nowMs + outlier.baseEjectionSeconds * 1000 * (ejectionCount[k] as number);
    clusterEjected[c] = (clusterEjected[c] as number) + 1;
    consecutive[k] = 0;
    ejections++;
  };
  const outlierSweep = (nowMs: number): void => {
    if (!outlier) return;
    for (let proxy = 0; proxy < proxies; proxy++) {
      for (let pod = 0; pod < podTotal; pod++) {
        const k = proxy * podTotal + pod;
        const until = ejectedUntil[k] as number;
        if (until > 0 && until <= nowMs) {
          ejectedUntil[k] = 0;
          clusterEjected[proxy * clusterCount + clusterOf(pod)]! -= 1;
        } else if (until === 0 && (ejectionCount[k] as number) > 0) {
          ejectionCount[k]! -= 1;
        }
      }
    }
  };
  const isEjected = (proxy: number, pod: number): boolean => outlier !== undefined && (ejectedUntil[proxy * podTotal + pod] as number) > 0;

  // Per-request weights of the ORCA-fed weighted round robin (one weight per pod, the same
  // reports reaching every proxy), and each proxy's smooth weighted round-robin state.
  const orca = routing.kind === 'orca-wrr' ? routing : undefined;
  // The clairvoyant dispatcher knows every request's service time on every pod and each pod's
  // schedule: when each of its slots frees, queue included (FIFO, so the schedule is exact).
  const clairvoyant = routing.kind === 'clairvoyant';
  const slotsPerPod = Math.max(...model.subsets.map((s) => s.concurrency));
  const slotFree = new Float64Array(clairvoyant ? podTotal * slotsPerPod : 0);
  let chosenService = NaN;
  let chosenSlot = -1;
  let chosenStart = 0;
  let chosenFails = false;
  const podBusyMs = new Float64Array(podTotal);
  const podServed = new Float64Array(podTotal);
  const podFailed = new Float64Array(podTotal);
  const podWeight = new Float64Array(podTotal);
  const podReportingSince = new Float64Array(podTotal).fill(Infinity);
  const wrrCurrent = new Float64Array(orca ? proxies * podTotal : 0);
  const rrNext = new Int32Array(proxies * clusterCount);
  // Prequal-style probing: a probe pool and a probe budget per proxy; each pod's latency
  // estimate (what a probe reply reports) follows its completions.
  const prequal = routing.kind === 'prequal' ? routing : undefined;
  const probePools = prequal ? Array.from({ length: proxies }, () => new ProbePool(prequal)) : [];
  const probeCredit = new Float64Array(proxies);
  const podLatencyEstimate = new Float64Array(prequal ? podTotal : 0);
  const usableFor = Array.from({ length: proxies }, (_, proxy) => (pod: number): boolean => podInEndpoints[pod] === 1 && !isEjected(proxy, pod));
  let probes = 0;
  const prequalPick = (proxy: number, list: Int32Array, n: number, avoid: number, nowMs: number): number => {
    const settings = prequal as PrequalSettings;
    const pool = probePools[proxy] as ProbePool;
    probeCredit[proxy]! += settings.probesPerRequest;
    while ((probeCredit[proxy] as number) >= 1) {
      probeCredit[proxy]! -= 1;
      const pod = list[routeRandom.int(n)] as number;
      probes++;
      // A stopped pod refuses the probe: no reply.
      if (podRunning[pod]) pool.add(pod, (podBusy[pod] as number) + (queueLength[pod] as number), podLatencyEstimate[pod] as number, nowMs);
    }
    const chosen = pool.select(nowMs, avoid, usableFor[proxy] as (pod: number) => boolean);
    if (chosen >= 0) return chosen;
    // No usable reply: a pod drawn at random, as Prequal falls back to.
    let pod = list[routeRandom.int(n)] as number;
    for (let k = 0; k < retryPolicy.hostSelectionAttempts && (pod === avoid || !usableFor[proxy]!(pod)); k++) pod = list[routeRandom.int(n)] as number;
    return pod;
  };
  const updateOrcaWeights = (second: number): void => {
    if (!orca) return;
    let sum = 0;
    let valid = 0;
    for (let pod = 0; pod < podTotal; pod++) {
      const seconds = orca.weightUpdateSeconds;
      const rps = (podServed[pod] as number) / seconds;
      const eps = (podFailed[pod] as number) / seconds;
      const utilisation = (podBusyMs[pod] as number) / (seconds * 1000 * (podConcurrency[pod] as number));
      podServed[pod] = 0;
      podFailed[pod] = 0;
      podBusyMs[pod] = 0;
      const denominator = utilisation + (rps > 0 ? (orca.errorUtilisationPenalty * eps) / rps : 0);
      if (rps > 0 && denominator > 0) {
        if (!Number.isFinite(podReportingSince[pod] as number)) podReportingSince[pod] = second;
        const usable = second - (podReportingSince[pod] as number) >= orca.blackoutSeconds;
        podWeight[pod] = usable ? rps / denominator : 0;
      } else {
        podWeight[pod] = 0;
        podReportingSince[pod] = Infinity;
      }
      if ((podWeight[pod] as number) > 0) {
        sum += podWeight[pod] as number;
        valid++;
      }
    }
    // Endpoints without a usable weight (new, idle, in blackout) get the mean of the others.
    const mean = valid > 0 ? sum / valid : 1;
    for (let pod = 0; pod < podTotal; pod++) if (!((podWeight[pod] as number) > 0)) podWeight[pod] = mean;
  };

  // Subset weights, per proxy (a new VirtualService reaches the proxies at different times).
  let weights: Weights = weighted ? routing.initialWeights : {};
  const cumulative = new Float64Array(proxies * subsetCount);
  const cumulativeOf = (next: Weights): Float64Array => {
    const out = new Float64Array(subsetCount);
    const total = subsetNames.reduce((sum, name) => sum + Math.max(0, weightOf(next, name)), 0);
    let running = 0;
    subsetNames.forEach((name, s) => {
      running += total > 0 ? Math.max(0, weightOf(next, name)) / total : 1 / subsetCount;
      out[s] = running;
    });
    out[subsetCount - 1] = Infinity;
    return out;
  };
  const applyToProxy = (proxy: number, next: Weights): void => cumulative.set(cumulativeOf(next), proxy * subsetCount);
  if (weighted) for (let p = 0; p < proxies; p++) applyToProxy(p, routing.initialWeights);
  const pendingWeights: { weights: Weights; atMs: number; proxy: number }[] = [];

  const weightsPerSecond: Record<string, number[]> = Object.fromEntries(subsetNames.map((n) => [n, [] as number[]]));
  const decisions: Record<string, number> = {};

  // Arrival process.
  const arrivals = model.arrivals;
  let inBurst = false;
  let segment = 0;
  const segments = arrivals.kind === 'schedule' ? arrivals.segments : [];
  let phaseEndsMs =
    arrivals.kind === 'bursty'
      ? arrivalRandom.exponential(arrivals.meanCalmSeconds * 1000)
      : arrivals.kind === 'schedule'
        ? (segments[1]?.fromSeconds ?? Infinity) * 1000
        : Infinity;
  const currentRate = (): number =>
    arrivals.kind === 'poisson'
      ? arrivals.ratePerSecond
      : arrivals.kind === 'schedule'
        ? (segments[segment]?.ratePerSecond ?? 0)
        : inBurst
          ? arrivals.burstRatePerSecond
          : arrivals.calmRatePerSecond;
  const nextArrivalAfter = (now: number): number => {
    let t = now;
    for (;;) {
      const rate = currentRate();
      const candidate = rate > 0 ? t + arrivalRandom.exponential(1000 / rate) : Infinity;
      if (candidate < phaseEndsMs) return candidate;
      if (!Number.isFinite(phaseEndsMs)) return Infinity;
      t = phaseEndsMs;
      if (arrivals.kind === 'bursty') {
        inBurst = !inBurst;
        phaseEndsMs = t + arrivalRandom.exponential((inBurst ? arrivals.meanBurstSeconds : arrivals.meanCalmSeconds) * 1000);
      } else {
        segment++;
        phaseEndsMs = (segments[segment + 1]?.fromSeconds ?? Infinity) * 1000;
      }
    }
  };

  // Scores, as the client sees each request.
  const warmupMs = model.warmupSeconds * 1000;
  const failedBin = latencyBin(FAILED_REQUEST_SCORE_MS);
  const overall = new LatencyHistogram();
  let counted = 0;
  let countedErrors = 0;
  let latencySum = 0;
  let simulatedRequests = 0;
  let retries = 0;
  const slices: SliceStats[] = [];
  const sliceHistograms: LatencyHistogram[] = [];
  let slice = new LatencyHistogram(3);
  let sliceErrors = 0;
  let sliceSubsetCounts = new Float64Array(subsetCount);

  const finish = (subset: number, originMs: number, latencyMs: number, failed: boolean): void => {
    if (originMs < warmupMs) return;
    const bin = failed ? failedBin : latencyBin(latencyMs);
    overall.addBin(bin);
    slice.addBin(bin);
    sliceSubsetCounts[subset]! += 1;
    counted++;
    latencySum += latencyMs;
    if (failed) {
      countedErrors++;
      sliceErrors++;
    }
  };
  /** A service time on a pod from two uniforms: one request's own size, whatever pod serves it. */
  const serviceTimeFrom = (pod: number, u1: number, u2: number): number => {
    const mean = podMeanMs[pod] as number;
    const s = podSubset[pod] as number;
    switch (subsetShape[s]) {
      case SHAPE_EXPONENTIAL:
        return -mean * Math.log(1 - u1);
      case SHAPE_LOGNORMAL: {
        const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
        return mean * Math.exp((subsetShapeA[s] as number) * z + (subsetShapeB[s] as number));
      }
      case SHAPE_PARETO:
        return mean * (subsetShapeA[s] as number) * Math.pow(1 - u1, subsetShapeB[s] as number);
      default:
        return -mean * ((u2 < (subsetShapeA[s] as number) ? subsetShapeC[s] : subsetShapeB[s]) as number) * Math.log(1 - u1);
    }
  };
  const serviceTime = (pod: number): number => {
    const mean = podMeanMs[pod] as number;
    const s = podSubset[pod] as number;
    switch (subsetShape[s]) {
      case SHAPE_EXPONENTIAL:
        return -mean * Math.log(1 - serviceRandom.next());
      case SHAPE_LOGNORMAL:
        return mean * Math.exp((subsetShapeA[s] as number) * serviceRandom.normal() + (subsetShapeB[s] as number));
      case SHAPE_PARETO:
        return mean * (subsetShapeA[s] as number) * Math.pow(1 - serviceRandom.next(), subsetShapeB[s] as number);
      default: {
        const slow = serviceRandom.next() < (subsetShapeA[s] as number);
        return -mean * ((slow ? subsetShapeC[s] : subsetShapeB[s]) as number) * Math.log(1 - serviceRandom.next());
      }
    }
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
      : arrivals.kind === 'bursty'
        ? (arrivals.calmRatePerSecond * arrivals.meanCalmSeconds + arrivals.burstRatePerSecond * arrivals.meanBurstSeconds) /
          (arrivals.meanCalmSeconds + arrivals.meanBurstSeconds)
        : NaN;
  const truth = (): { arrivalRatePerSecond: number; subsets: TrueSubsetState[] } => ({
    arrivalRatePerSecond: arrivals.kind === 'schedule' ? currentRate() : meanArrivalRate,
    subsets: model.subsets.map((subset, s) => {
      const first = subsetFirstPod[s] as number;
      const running: number[] = [];
      for (let pod = first; pod < first + subset.pods; pod++) if (podRunning[pod]) running.push(podMeanMs[pod] as number);
      return {
        name: subset.name,
        concurrency: subset.concurrency,
        queueLimit: subset.queueLimit,
        errorProbability: Math.min(1, (subsetErrorProbability[s] as number) + (subsetSlowErrorProbability[s] as number)),
        podMeanServiceMs: running,
      };
    }),
  });

  // Load balancing inside a cluster, as the proxy's LB policy does; -1 when it has no endpoint.
  const pick = (proxy: number, cluster: number, avoid: number, nowMs: number): number => {
    const list = clusterPods[cluster] as Int32Array;
    const n = clusterSize[cluster] as number;
    if (n === 0) return -1;
    if (clairvoyant) {
      let best = -1;
      let bestFinish = Infinity;
      const u1 = serviceRandom.next();
      const u2 = serviceRandom.next();
      // Whether this request would fail on each subset is known too: it avoids those pods.
      const u3 = routeRandom.next();
      chosenFails = false;
      for (let i = 0; i < n; i++) {
        const pod = list[i] as number;
        const sub = podSubset[pod] as number;
        if (!podRunning[pod] || u3 < (subsetErrorProbability[sub] as number) + (subsetSlowErrorProbability[sub] as number)) continue;
        let slot = pod * slotsPerPod;
        for (let k = 1; k < (podConcurrency[pod] as number); k++) {
          if ((slotFree[pod * slotsPerPod + k] as number) < (slotFree[slot] as number)) slot = pod * slotsPerPod + k;
        }
        const start = Math.max(nowMs, slotFree[slot] as number);
        const service = serviceTimeFrom(pod, u1, u2);
        if (start + service < bestFinish) {
          bestFinish = start + service;
          best = pod;
          chosenService = service;
          chosenSlot = slot;
          chosenStart = start;
        }
      }
      if (best < 0) {
        // It fails wherever it goes: at once, on the first running pod.
        chosenFails = true;
        for (let i = 0; i < n && best < 0; i++) if (podRunning[list[i] as number]) best = list[i] as number;
      }
      return best;
    }
    if (n === 1) return list[0] as number;
    if (prequal) return prequalPick(proxy, list, n, avoid, nowMs);
    const anyEjected = (clusterEjected[proxy * clusterCount + cluster] as number) > 0;
    const tries = avoid >= 0 ? retryPolicy.hostSelectionAttempts : 1;
    let chosen = -1;
    for (let attempt = 0; attempt < tries; attempt++) {
      if (orca) {
        // Smooth weighted round robin over the endpoints not ejected.
        let total = 0;
        let best = -1;
        let bestValue = -Infinity;
        const base = proxy * podTotal;
        for (let i = 0; i < n; i++) {
          const pod = list[i] as number;
          if (anyEjected && isEjected(proxy, pod)) continue;
          const w = podWeight[pod] as number;
          total += w;
          const value = (wrrCurrent[base + pod] as number) + w;
          wrrCurrent[base + pod] = value;
          if (value > bestValue) {
            bestValue = value;
            best = pod;
          }
        }
        if (best >= 0) wrrCurrent[base + best]! -= total;
        chosen = best;
      } else if (routing.kind === 'round-robin') {
        const k = proxy * clusterCount + cluster;
        for (let i = 0; i < n; i++) {
          const pod = list[(rrNext[k] as number) % n] as number;
          rrNext[k] = ((rrNext[k] as number) + 1) % n;
          chosen = pod;
          if (!(anyEjected && isEjected(proxy, pod))) break;
        }
      } else {
        // Envoy LEAST_REQUEST: two draws with replacement among the healthy hosts, fewer active wins (ties: the first).
        let a = list[routeRandom.int(n)] as number;
        let b = list[routeRandom.int(n)] as number;
        if (anyEjected) {
          for (let k = 0; k < 8 && isEjected(proxy, a); k++) a = list[routeRandom.int(n)] as number;
          for (let k = 0; k < 8 && isEjected(proxy, b); k++) b = list[routeRandom.int(n)] as number;
        }
        const base = proxy * podTotal;
        chosen = (active[base + b] as number) < (active[base + a] as number) ? b : a;
      }
      if (chosen !== avoid) break;
    }
    return chosen;
  };

  const attemptFailed = (nowMs: number, proxy: number, pod: number, cluster: number, originMs: number, attempt: number, retriable: boolean): void => {
    onAttemptFailed(proxy, pod, nowMs);
    if (retriable && attempt < retryPolicy.attempts) {
      const n = attempt + 1;
      const backoff = routeRandom.next() * Math.min(retryPolicy.maxIntervalMs, ((1 << n) - 1) * retryPolicy.baseIntervalMs);
      if (nowMs + backoff - originMs < timeoutMs) {
        retryHeap.push(nowMs + backoff, nowMs, originMs, pod * proxies + proxy, (cluster << 2) | n);
        return;
      }
    }
    const elapsed = nowMs - originMs;
    finish(podSubset[pod] as number, originMs, Math.min(elapsed, timeoutMs), true);
  };

  const dispatch = (nowMs: number, originMs: number, proxy: number, cluster: number, attempt: number, avoid: number): void => {
    const pod = pick(proxy, cluster, avoid, nowMs);
    if (pod < 0) {
      // No endpoint: Envoy answers 503 "no healthy upstream" itself, not retried.
      finish(weighted ? cluster : 0, originMs, nowMs - originMs + CONNECT_FAILURE_MS, true);
      return;
    }
    const subset = podSubset[pod] as number;
    if (!podRunning[pod]) {
      attemptFailed(nowMs + CONNECT_FAILURE_MS, proxy, pod, cluster, originMs, attempt, true);
      return;
    }
    if (clairvoyant ? chosenFails : routeRandom.next() < (subsetErrorProbability[subset] as number)) {
      telemetry.record(subset, model.errorLatencyMs, true);
      if (orca) podFailed[pod]! += 1;
      attemptFailed(nowMs + model.errorLatencyMs, proxy, pod, cluster, originMs, attempt, true);
      return;
    }
    const meta = attempt | (!clairvoyant && routeRandom.next() < (subsetSlowErrorProbability[subset] as number) ? SLOW_ERROR : 0);
    if ((podBusy[pod] as number) < (podConcurrency[pod] as number)) {
      podBusy[pod]! += 1;
      active[proxy * podTotal + pod]! += 1;
      const service = clairvoyant ? chosenService : serviceTime(pod);
      if (clairvoyant) slotFree[chosenSlot] = chosenStart + service;
      if (orca) podBusyMs[pod]! += service;
      completions.push(nowMs + service, nowMs, originMs, pod * proxies + proxy, meta);
    } else if ((queueLength[pod] as number) < (podQueueLimit[pod] as number)) {
      const slot = pod * maxQueue + (((queueHead[pod] as number) + (queueLength[pod] as number)) % (podQueueLimit[pod] as number));
      queueStart[slot] = nowMs;
      queueOrigin[slot] = originMs;
      queueProxy[slot] = proxy;
      queueMeta[slot] = meta;
      if (clairvoyant) {
        queueService[slot] = chosenService;
        slotFree[chosenSlot] = chosenStart + chosenService;
      }
      queueLength[pod]! += 1;
      active[proxy * podTotal + pod]! += 1;
    } else {
      // Overflow: the pod answers 503 at once.
      telemetry.record(subset, model.errorLatencyMs, true);
      if (orca) podFailed[pod]! += 1;
      attemptFailed(nowMs + model.errorLatencyMs, proxy, pod, cluster, originMs, attempt, true);
    }
  };

  const tick = (second: number): void => {
    const nowMs = second * 1000;
    if (second > 0) telemetry.scrape(second, model.scrapeOutages, runningPods());
    if (second > 0 && second % SLICE_SECONDS === 0) closeSlice(second);
    if (second >= model.durationSeconds) return;
    if (pendingWeights.length > 0) {
      const due = pendingWeights.filter((p) => p.atMs <= nowMs);
      for (const p of due) applyToProxy(p.proxy, p.weights);
      if (due.length > 0) pendingWeights.splice(0, pendingWeights.length, ...pendingWeights.filter((p) => p.atMs > nowMs));
    }
    let endpointsChanged = second === 0;
    subsetNames.forEach((name, s) => {
      const conditions = model.conditions(name, second);
      subsetErrorProbability[s] = conditions.errorProbability;
      subsetSlowErrorProbability[s] = conditions.slowErrorProbability ?? 0;
      const first = subsetFirstPod[s] as number;
      const count = subsetPodCount[s] as number;
      const running = Math.min(count, conditions.activePods ?? count);
      for (let k = 0; k < count; k++) {
        const pod = first + k;
        podMeanMs[pod] = conditions.meanServiceMs * (podSpeed[pod] as number) * (conditions.podFactors?.[k] ?? 1);
        const shouldRun = k < running ? 1 : 0;
        if (second === 0) {
          podRunning[pod] = shouldRun;
          podInEndpoints[pod] = shouldRun;
        } else if (podRunning[pod] !== shouldRun) {
          podRunning[pod] = shouldRun;
          podEndpointChangeAt[pod] = second + endpointDelay;
        }
        if ((podEndpointChangeAt[pod] as number) <= second) {
          podInEndpoints[pod] = podRunning[pod] as number;
          podEndpointChangeAt[pod] = Infinity;
          endpointsChanged = true;
        }
      }
    });
    if (endpointsChanged) rebuildClusters();
    if (outlier && second > 0 && second % outlier.intervalSeconds === 0) outlierSweep(nowMs);
    if (orca && second % orca.weightUpdateSeconds === 0) updateOrcaWeights(second);
    if (weighted && routing.onControl && second > 0 && second % control.intervalSeconds === 0) {
      const outcome = routing.onControl({
        nowSeconds: second,
        observations: telemetry.observe(control.windowSeconds, second),
        current: weights,
        truth: truth(),
      });
      decisions[outcome.action] = (decisions[outcome.action] ?? 0) + 1;
      weights = outcome.weights;
      for (let proxy = 0; proxy < proxies; proxy++) {
        const delayMs = (control.actuationDelaySeconds + meshRandom.next() * control.actuationJitterSeconds) * 1000;
        if (delayMs <= 0) applyToProxy(proxy, outcome.weights);
        else pendingWeights.push({ weights: outcome.weights, atMs: nowMs + Math.ceil(delayMs / 1000) * 1000, proxy });
      }
    }
    if (weighted) {
      // Applied weights as the share of proxies' traffic: the mean over proxies of each subset's probability.
      subsetNames.forEach((name, s) => {
        let share = 0;
        for (let p = 0; p < proxies; p++) {
          const hi = Math.min(1, cumulative[p * subsetCount + s] as number);
          const lo = s > 0 ? (cumulative[p * subsetCount + s - 1] as number) : 0;
          share += hi - lo;
        }
        (weightsPerSecond[name] as number[]).push(Math.round((share / proxies) * 1000) / 10);
      });
    }
  };

  const endMs = model.durationSeconds * 1000;
  let nextTickMs = 0;
  let tickSecond = 0;
  let nextArrivalMs = nextArrivalAfter(0);

  for (;;) {
    const completionMs = completions.topTime();
    const retryMs = retryHeap.topTime();
    if (nextTickMs <= completionMs && nextTickMs <= nextArrivalMs && nextTickMs <= retryMs) {
      if (tickSecond > model.durationSeconds) break;
      tick(tickSecond);
      tickSecond++;
      nextTickMs = tickSecond * 1000;
      continue;
    }
    if (completionMs <= nextArrivalMs && completionMs <= retryMs) {
      const now = completionMs;
      const start = completions.topStart();
      const origin = completions.topOrigin();
      const tag = completions.topTag();
      const meta = completions.topMeta();
      completions.pop();
      const pod = (tag / proxies) | 0;
      const proxy = tag - pod * proxies;
      const subset = podSubset[pod] as number;
      active[proxy * podTotal + pod]! -= 1;
      const slowError = (meta & SLOW_ERROR) !== 0;
      telemetry.record(subset, now - start, slowError);
      if (prequal) {
        const estimate = podLatencyEstimate[pod] as number;
        podLatencyEstimate[pod] = estimate > 0 ? estimate + prequal.latencyEwma * (now - start - estimate) : now - start;
      }
      if (orca) {
        if (slowError) podFailed[pod]! += 1;
        else podServed[pod]! += 1;
      }
      const waiting = queueLength[pod] as number;
      if (waiting > 0) {
        const slot = pod * maxQueue + (queueHead[pod] as number);
        queueHead[pod] = ((queueHead[pod] as number) + 1) % (podQueueLimit[pod] as number);
        queueLength[pod] = waiting - 1;
        const service = clairvoyant ? (queueService[slot] as number) : serviceTime(pod);
        if (orca) podBusyMs[pod]! += service;
        completions.push(now + service, queueStart[slot] as number, queueOrigin[slot] as number, pod * proxies + (queueProxy[slot] as number), queueMeta[slot] as number);
      } else {
        podBusy[pod]! -= 1;
      }
      if (now - origin > timeoutMs) {
        // The client gave up at the timeout (a 504 counted by outlier detection); the pod worked on.
        onAttemptFailed(proxy, pod, now);
        finish(subset, origin, timeoutMs, true);
      } else if (slowError) {
        attemptFailed(now, proxy, pod, clusterOf(pod), origin, meta & ATTEMPT_MASK, true);
      } else {
        if (outlier) consecutive[proxy * podTotal + pod] = 0;
        finish(subset, origin, now - origin, false);
      }
      continue;
    }
    if (retryMs <= nextArrivalMs) {
      const now = retryMs;
      const origin = retryHeap.topOrigin();
      const tag = retryHeap.topTag();
      const meta = retryHeap.topMeta();
      retryHeap.pop();
      const previous = (tag / proxies) | 0;
      const proxy = tag - previous * proxies;
      retries++;
      dispatch(now, origin, proxy, meta >> 2, meta & ATTEMPT_MASK, previous);
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
    let cluster = 0;
    if (weighted) {
      const u = routeRandom.next();
      const base = proxy * subsetCount;
      while (u >= (cumulative[base + cluster] as number)) cluster++;
    }
    dispatch(now, now, proxy, cluster, 0, -1);
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
    retries,
    ejections,
    probes,
  };
}

function validate(model: SimulationModel, control: ControlSettings): void {
  const problems: string[] = [];
  if (model.subsets.length === 0) problems.push('no subsets');
  for (const subset of model.subsets) {
    if (!(subset.pods >= 1 && subset.concurrency >= 1 && subset.queueLimit >= 1)) {
      problems.push(`subset ${subset.name}: pods, concurrency and queueLimit must be at least 1`);
    }
    const shape = subset.serviceTime ?? model.serviceTime;
    if (shape.kind === 'pareto' && !(shape.alpha > 1)) problems.push(`subset ${subset.name}: pareto alpha must be above 1 (a finite mean)`);
    if (shape.kind === 'bimodal' && !(shape.slowProbability > 0 && shape.slowProbability < 1 && shape.slowFactor >= 1)) {
      problems.push(`subset ${subset.name}: bimodal needs 0 < slowProbability < 1 and slowFactor >= 1`);
    }
  }
  if (model.arrivals.kind === 'schedule' && model.arrivals.segments[0]?.fromSeconds !== 0) problems.push('an arrival schedule starts at 0 s');
  if (!(model.durationSeconds > 0)) problems.push('durationSeconds must be positive');
  if (model.retries && !(Number.isInteger(model.retries.attempts) && model.retries.attempts >= 0 && model.retries.attempts <= 3)) {
    problems.push('retries.attempts must be an integer in 0..3');
  }
  for (const [name, value] of [
    ['intervalSeconds', control.intervalSeconds],
    ['windowSeconds', control.windowSeconds],
    ['scrapeIntervalSeconds', control.scrapeIntervalSeconds],
  ] as const) {
    if (!(Number.isInteger(value) && value >= 1)) problems.push(`${name} must be an integer >= 1`);
  }
  if (problems.length > 0) throw new Error(`invalid simulation: ${problems.join('; ')}`);
}
