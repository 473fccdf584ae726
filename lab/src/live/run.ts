// One live run of one strategy on a live scenario: main-routing-vs in a namespace of the run's
// own, the gateway splitting by its weights and exporting Istio's metrics to the real
// Prometheus, the real controller (unless the strategy is static) patching the route, the
// product-service processes' faults following the model second by second, and the open-loop
// load. Scored as the simulator scores: after the warm-up, a failed request at 10 s.
import { loadavg } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadTopology } from '../../../dev/routes.ts';
import type { OwnedRouteRef } from '../actuator/owned-route.ts';
import type { Weights } from '../core/weights.ts';
import { loadConfig } from '../controller/config.ts';
import type { Logger } from '../controller/log.ts';
import { buildController } from '../controller/main.ts';
import { ControllerMetrics } from '../controller/metrics.ts';
import { FAILED_REQUEST_SCORE_MS } from '../simulator/engine.ts';
import { LatencyHistogram } from '../simulator/latency-histogram.ts';
import type { ControlSettings } from '../simulator/model.ts';
import { PrometheusClient } from '../telemetry/prometheus-client.ts';
import { arrivalTimes } from './arrivals.ts';
import { playFaults } from './faults.ts';
import { LiveGateway } from './gateway.ts';
import { RunNamespace } from './kube.ts';
import { isFailure, playLoad, type RequestOutcome } from './load.ts';
import type { LiveScenario } from './profile.ts';
import type { ProductServiceVersions } from './services.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

export interface LiveRunOptions {
  readonly live: LiveScenario;
  /** `static` (no controller), or the policy the controller runs. */
  readonly strategy: string;
  readonly seed: number;
  readonly control: ControlSettings;
  readonly namespace: string;
  readonly kubeConfig: KubeConfig;
  readonly prometheusUrl: string;
  readonly targetsDir: string;
  readonly services: ProductServiceVersions;
  readonly log?: (line: string) => void;
}

export interface LiveRunResult {
  readonly strategy: string;
  readonly namespace: string;
  /** Requests after the warm-up. */
  readonly requests: number;
  readonly failures: number;
  readonly latencyMs: { readonly p50: number; readonly p99: number };
  /** Share of the scored requests each subset answered. */
  readonly shares: Readonly<Record<string, number>>;
  /** Share each subset should have had: the weight in force at the gateway when each request was sent. */
  readonly expectedShares: Readonly<Record<string, number>>;
  /** Weights the gateway applied, by live second. */
  readonly weights: readonly { readonly second: number; readonly weights: Weights }[];
  /** The controller's decisions by outcome (empty for static). */
  readonly decisions: Readonly<Record<string, number>>;
  readonly eventReasons: readonly string[];
  /** Requests per subset the gateway counted, and what Prometheus holds of its istio_requests_total at the end. */
  readonly gatewayCounted: Readonly<Record<string, number>>;
  readonly prometheusCounted: Readonly<Record<string, number>>;
  /** The machine's 1-minute load average at the start and the end of the run (other work inflates live latencies). */
  readonly loadAverage: readonly [number, number];
}

const SUBSET_OF_WORKLOAD = /-(v\d+)$/;

export async function runLive(options: LiveRunOptions): Promise<LiveRunResult> {
  const { live, strategy, control, namespace, kubeConfig, services } = options;
  const say = options.log ?? (() => undefined);
  const subsets = live.model.subsets.map((s) => s.name);
  const topology = await loadTopology(ROOT);
  const route = topology.routes.find((r) => r.name === 'product-service');
  if (!route) throw new Error('k8s/istio/virtual-service.yaml has no route named product-service');
  const ref: OwnedRouteRef = { namespace, virtualService: 'main-routing-vs', route: 'product-service', host: 'product-service-svc', subsets };
  const kube = new RunNamespace(kubeConfig, namespace);
  await kube.create();
  const gateway = new LiveGateway({
    route,
    ref,
    kubeConfig,
    upstreams: Object.fromEntries(subsets.map((s) => [s, services.url(s)])),
    targetsDir: options.targetsDir,
    ...(control.scrapeIntervalSeconds !== 1 ? { scrapeIntervalSeconds: control.scrapeIntervalSeconds } : {}),
  });
  const decisions: Record<string, number> = {};
  let stopController: (() => Promise<void>) | undefined;
  try {
    await gateway.start();
    say(`${strategy}: gateway ${gateway.url}, metrics ${gateway.metricsUrl} (target ${gateway.targetFile}), namespace ${namespace}`);
    const loadBefore = loadavg()[0] as number;
    const times = arrivalTimes(live.model.arrivals, live.model.durationSeconds, options.seed);
    const startMs = performance.now();
    const faults = playFaults(live.model, startMs, (subset, setting) => services.fault(subset, setting));
    if (strategy !== 'static') {
      const config = loadConfig({
        PROMETHEUS_URL: options.prometheusUrl,
        NAMESPACE: namespace,
        POLICY: strategy,
        SEED: String(options.seed),
        INTERVAL_SECONDS: String(control.intervalSeconds),
        WINDOW_SECONDS: String(control.windowSeconds),
      });
      const log: Logger = (_level, msg) => {
        const action = /^decision: (.+)$/.exec(msg)?.[1];
        if (action) decisions[action] = (decisions[action] ?? 0) + 1;
      };
      const controller = buildController(config, kubeConfig, new ControllerMetrics(false), log);
      // First decision one interval in, as in the simulator.
      const first = setTimeout(() => controller.start(control.intervalSeconds * 1000), control.intervalSeconds * 1000);
      stopController = async () => {
        clearTimeout(first);
        await controller.stop();
      };
    }
    const outcomes = await playLoad({ url: `${gateway.url}/products/?limit=20`, times, startMs });
    const loadAfter = loadavg()[0] as number;
    faults.stop();
    await stopController?.();
    stopController = undefined;
    // Until Prometheus has scraped the last requests (two scrape intervals and a little more at most).
    const exported = await gateway.metrics.countedByVersion();
    const deadline = performance.now() + (2 * control.scrapeIntervalSeconds + 5) * 1000;
    let prometheusCounted = await prometheusTotals(options.prometheusUrl, namespace);
    while (subsets.some((s) => prometheusCounted[s] !== exported[s]) && performance.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      prometheusCounted = await prometheusTotals(options.prometheusUrl, namespace);
    }
    const gatewayCounted: Record<string, number> = {};
    for (const o of outcomes) {
      const subset = o.workload ? SUBSET_OF_WORKLOAD.exec(o.workload)?.[1] : undefined;
      if (subset) gatewayCounted[subset] = (gatewayCounted[subset] ?? 0) + 1;
    }
    return {
      strategy,
      namespace,
      ...score(outcomes, live.model.warmupSeconds, subsets, gateway, startMs),
      weights: weightsBySecond(gateway, startMs, live.model.durationSeconds),
      decisions,
      eventReasons: await kube.eventReasons(),
      gatewayCounted,
      prometheusCounted,
      loadAverage: [loadBefore, loadAfter],
    };
  } finally {
    await stopController?.();
    await gateway.stop();
    await kube.delete();
  }
}

function weightAt(gateway: LiveGateway, atMs: number): Weights {
  let current = gateway.weightChanges[0]?.weights ?? {};
  for (const change of gateway.weightChanges) {
    if (change.atMs > atMs) break;
    current = change.weights;
  }
  return current;
}

function score(outcomes: readonly RequestOutcome[], warmupSeconds: number, subsets: readonly string[], gateway: LiveGateway, startMs: number) {
  const histogram = new LatencyHistogram();
  const answered: Record<string, number> = Object.fromEntries(subsets.map((s) => [s, 0]));
  const expected: Record<string, number> = Object.fromEntries(subsets.map((s) => [s, 0]));
  let failures = 0;
  const scored = outcomes.filter((o) => o.atSeconds >= warmupSeconds);
  for (const o of scored) {
    const failed = isFailure(o);
    if (failed) failures++;
    // As the simulator scores: a failed request above every success.
    histogram.add(failed ? FAILED_REQUEST_SCORE_MS : o.latencyMs);
    const subset = o.workload ? SUBSET_OF_WORKLOAD.exec(o.workload)?.[1] : undefined;
    if (subset && subset in answered) answered[subset]! += 1;
    const weights = weightAt(gateway, startMs + o.atSeconds * 1000);
    const total = subsets.reduce((sum, s) => sum + (weights[s] ?? 0), 0) || 1;
    for (const s of subsets) expected[s]! += (weights[s] ?? 0) / total;
  }
  const n = Math.max(1, scored.length);
  return {
    requests: scored.length,
    failures,
    latencyMs: { p50: histogram.quantile(0.5), p99: histogram.quantile(0.99) },
    shares: Object.fromEntries(subsets.map((s) => [s, (answered[s] ?? 0) / n])),
    expectedShares: Object.fromEntries(subsets.map((s) => [s, (expected[s] ?? 0) / n])),
  };
}

function weightsBySecond(gateway: LiveGateway, startMs: number, durationSeconds: number): { second: number; weights: Weights }[] {
  const series: { second: number; weights: Weights }[] = [];
  for (let second = 0; second < durationSeconds; second++) series.push({ second, weights: weightAt(gateway, startMs + second * 1000) });
  return series;
}

async function prometheusTotals(prometheusUrl: string, namespace: string): Promise<Record<string, number>> {
  const client = new PrometheusClient(prometheusUrl, 5000);
  const samples = await client.queryVector(
    `sum by (destination_version) (istio_requests_total{reporter="destination",destination_workload_namespace="${namespace}"})`,
    Date.now() / 1000,
  );
  return Object.fromEntries(samples.map((s) => [s.labels.destination_version ?? '', s.value]));
}
