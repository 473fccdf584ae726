// The live closed loop: how a scenario is played live (profile, arrivals, faults, Istio's metric
// names), then the whole loop for real with a compressed timing: product-service v1 and v2 as
// processes, the inner loop's gateway standing in for Envoy at the network boundary, the REAL
// Prometheus scraping it, the real controller patching main-routing-vs in the REAL kube-apiserver.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { server } from '@shopmesh/testkit';
import { MESH_TELEMETRY } from '../src/core/mesh.ts';
import { ISTIO_DURATION_BUCKETS_MS } from '../src/core/observations.ts';
import { arrivalTimes } from '../src/live/arrivals.ts';
import { liveExperiment } from '../src/live/experiment.ts';
import { faultAt } from '../src/live/faults.ts';
import { IstioMetrics } from '../src/live/istio-metrics.ts';
import { mainRoutingVirtualService } from '../src/live/kube.ts';
import { liveScenario, UnplayableScenarioError } from '../src/live/profile.ts';
import { headline, liveGaps, liveReport } from '../src/live/report.ts';
import { TUNED } from '../src/protocol/tuned.ts';
import { findScenario } from '../src/scenarios/index.ts';

const profile = suite('live profile: a scenario compressed in time, its rates scaled, one process per subset');

profile('degradation: timeline compressed, load per slot kept, retries as the manifest route (none on 503)', () => {
  const degradation = findScenario('degradation');
  const original = degradation.build(3);
  const { model, timeScale, changes } = liveScenario(degradation, 3, { durationSeconds: 180, rateScale: 0.1 });
  assert.is(timeScale, 10);
  assert.equal(changes.map((c) => c.atSeconds), [60, 120]);
  assert.equal(model.arrivals, { kind: 'poisson', ratePerSecond: 40 });
  assert.equal(model.subsets.map((s) => [s.name, s.pods, s.concurrency, s.queueLimit]), [['v1', 1, 8, 256], ['v2', 1, 8, 256]]);
  assert.is(model.retries?.attempts, 0);
  assert.is(model.clientProxies, 1);
  // v2 at live second 70 = scenario second 700: degraded 4x, and ten times slower for a tenth of the rate.
  const scenarioV2 = original.conditions('v2', 0).meanServiceMs;
  assert.ok(Math.abs(model.conditions('v2', 0).meanServiceMs - scenarioV2 * 10) < 1e-9);
  assert.ok(model.conditions('v2', 70).meanServiceMs > 3 * model.conditions('v2', 59).meanServiceMs);
});

profile('scenarios the live loop cannot reproduce are refused, saying why', () => {
  assert.throws(() => liveScenario(findScenario('replica-loss'), 1), (e: Error) => e instanceof UnplayableScenarioError && /pods stopping and starting \(v2 at \d+ s\)/.test(e.message));
  assert.throws(() => liveScenario(findScenario('slow-errors'), 1), /route timeout.*outlier detection/);
  assert.throws(() => liveScenario(findScenario('stale-metrics'), 1), /scrape outages/);
  assert.throws(() => liveScenario(findScenario('identical'), 1, { durationSeconds: 5, rateScale: 0.1 }), /durationSeconds >= 10/);
});

profile('arrivals keep their rates (Poisson, schedules) and are the same for the same seed', () => {
  const poisson = arrivalTimes({ kind: 'poisson', ratePerSecond: 50 }, 200, 9);
  assert.ok(Math.abs(poisson.length / 200 - 50) < 2, `${poisson.length / 200} req/s`);
  assert.equal(arrivalTimes({ kind: 'poisson', ratePerSecond: 50 }, 200, 9), poisson);
  assert.ok(poisson.every((t, i) => i === 0 || t >= (poisson[i - 1] as number)));
  const schedule = arrivalTimes({ kind: 'schedule', segments: [{ fromSeconds: 0, ratePerSecond: 10 }, { fromSeconds: 100, ratePerSecond: 40 }] }, 200, 2);
  const before = schedule.filter((t) => t < 100).length;
  assert.ok(Math.abs(before / 100 - 10) < 1.5 && Math.abs((schedule.length - before) / 100 - 40) < 3, `${before} then ${schedule.length - before}`);
  const bursty = arrivalTimes({ kind: 'bursty', calmRatePerSecond: 10, burstRatePerSecond: 100, meanCalmSeconds: 20, meanBurstSeconds: 5 }, 2000, 4);
  assert.ok(Math.abs(bursty.length / 2000 - 28) < 6, `${bursty.length / 2000} req/s (long-run mean 28)`);
});

profile("a process's fault follows the model's conditions, slots and service-time shape", () => {
  const { model } = liveScenario(findScenario('fast-failing'), 1, { durationSeconds: 60, rateScale: 0.1 });
  const v2 = faultAt(model, 'v2', 50); // scenario second 1000: failing
  assert.equal([v2.slots, v2.queueLimit, v2.serviceTime], [8, 256, { kind: 'exponential' }]);
  assert.ok(v2.errorPercent > 20 && v2.errorPercent <= 30, `v2 fails ${v2.errorPercent}%`);
  assert.is(faultAt(model, 'v1', 50).errorPercent, 0);
  const heavy = liveScenario(findScenario('heavy-tail'), 1, { durationSeconds: 60, rateScale: 0.1 }).model;
  assert.equal(faultAt(heavy, 'v2', 0).serviceTime, { kind: 'pareto', alpha: 1.7 });
});

profile("the gateway's metrics carry Istio's names, labels and buckets as the destination sidecar reports them", async () => {
  const metrics = new IstioMetrics();
  metrics.record({ workload: 'product-service-v2-deployment', app: 'product-service', version: 'v2', namespace: 'ns1', service: 'product-service-svc', responseCode: 503, durationMs: 7 });
  const text = await metrics.registry.metrics();
  const labels = 'reporter="destination",source_workload="istio-ingressgateway",source_workload_namespace="istio-system",source_app="istio-ingressgateway",destination_workload="product-service-v2-deployment",destination_workload_namespace="ns1",destination_app="product-service",destination_version="v2",destination_service="product-service-svc.ns1.svc.cluster.local",destination_service_name="product-service-svc",destination_service_namespace="ns1",request_protocol="http",response_code="503",response_flags="-",connection_security_policy="mutual_tls"';
  assert.match(text, `istio_requests_total{${labels}} 1`);
  assert.match(text, `istio_request_duration_milliseconds_bucket{le="5",${labels}} 0`);
  assert.match(text, `istio_request_duration_milliseconds_bucket{le="10",${labels}} 1`);
  assert.match(text, `istio_request_duration_milliseconds_sum{${labels}} 7`);
  const les = [...text.matchAll(/istio_request_duration_milliseconds_bucket\{le="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(les, [...ISTIO_DURATION_BUCKETS_MS.map(String), '+Inf']);
  assert.equal(await metrics.countedByVersion(), { v2: 1 });
});

profile('main-routing-vs is the manifest\'s, in the namespace of the run', () => {
  const vs = mainRoutingVirtualService('lab-live-x') as { metadata: { name: string; namespace: string }; spec: { http: { name: string; route: { weight?: number }[] }[] } };
  assert.equal([vs.metadata.name, vs.metadata.namespace], ['main-routing-vs', 'lab-live-x']);
  assert.equal(vs.spec.http.find((r) => r.name === 'product-service')?.route.map((d) => d.weight), [50, 50]);
});

profile.run();

const loop = suite(
  'live closed loop, compressed timing: product-service processes, the dev gateway standing in for Envoy at the network boundary, real Prometheus, real controller, real kube-apiserver',
);
const environment = {
  PROMETHEUS_URL: server('PROMETHEUS_URL'),
  PROMETHEUS_TARGETS_DIR: server('PROMETHEUS_TARGETS_DIR'),
  SHOPMESH_KUBECONFIG: server('SHOPMESH_KUBECONFIG'),
  POSTGRES_URL: server('POSTGRES_URL'),
  REDIS_URL: server('REDIS_URL'),
  KAFKA_BROKERS: server('KAFKA_BROKERS'),
};
const complete = (env: typeof environment): env is { [K in keyof typeof environment]: string } => Object.values(env).every((v) => v !== undefined);

if (complete(environment)) {
  loop('degradation played live for static and the controller: weights follow the faster subset, the split follows the weights, Prometheus holds the series, the report sets live beside simulated', async () => {
    // 1 s scrapes (the test Prometheus's own), decisions every 2 s on 4 s windows.
    const control = { ...MESH_TELEMETRY, scrapeIntervalSeconds: 1, intervalSeconds: 2, windowSeconds: 4 };
    const lines: string[] = [];
    const experiment = await liveExperiment({
      scenario: findScenario('degradation'),
      profile: { durationSeconds: 40, rateScale: 0.1 },
      control,
      seed: 5,
      extraSimulatedSeeds: 3,
      candidate: TUNED.candidatePolicy,
      environment,
      log: (line) => lines.push(line),
    });
    const report = liveReport(experiment);
    console.log(report);
    const [staticRun, controlled] = experiment.live;
    assert.ok(staticRun && controlled, 'both strategies ran live');
    assert.equal([staticRun.strategy, controlled.strategy], ['static', TUNED.candidatePolicy]);

    // Static: the VirtualService keeps the manifest's 50/50 and nobody writes it.
    assert.ok(staticRun.weights.every((w) => w.weights.v1 === 50 && w.weights.v2 === 50), 'static stays 50/50');
    assert.equal(staticRun.eventReasons, []);
    // The controller: v2 is 4x slower from live second 13.3 to 26.7; by the end of it the weights
    // in the real VirtualService have moved toward v1, and every change is an Event.
    const degraded = controlled.weights.filter((w) => w.second >= 18 && w.second < 27);
    assert.ok(degraded.some((w) => (w.weights.v1 ?? 0) >= 60), `v1 never reached 60 while v2 was slow: ${JSON.stringify(controlled.weights.map((w) => w.weights.v1))}`);
    assert.ok((controlled.decisions.change ?? 0) + (controlled.decisions.rollback ?? 0) >= 1, JSON.stringify(controlled.decisions));
    assert.ok(controlled.eventReasons.includes('WeightsChanged'), controlled.eventReasons.join(', '));

    for (const run of experiment.live) {
      // The gateway split by the weights in force (about 1,500 requests: within 5 points).
      assert.ok(Math.abs((run.shares.v2 ?? 0) - (run.expectedShares.v2 ?? 0)) < 0.05, `${run.strategy}: v2 answered ${run.shares.v2}, weights said ${run.expectedShares.v2}`);
      assert.ok(run.requests > 1200, `${run.strategy}: ${run.requests} requests`);
      // Prometheus scraped the gateway's istio_requests_total: every request it proxied.
      for (const subset of ['v1', 'v2']) {
        assert.is(run.prometheusCounted[subset], run.gatewayCounted[subset], `${run.strategy} ${subset}: Prometheus ${run.prometheusCounted[subset]}, gateway ${run.gatewayCounted[subset]}`);
      }
      assert.ok(run.latencyMs.p99 >= run.latencyMs.p50 && run.latencyMs.p50 > 0);
      assert.ok(!existsSync(`${environment.PROMETHEUS_TARGETS_DIR}/${run.namespace}-gateway.json`), 'the target file is removed');
    }
    assert.not.ok(readdirSync(environment.PROMETHEUS_TARGETS_DIR).some((f) => experiment.live.some((r) => f.includes(r.namespace))));

    // Simulated on the same live profile and timing, on the live seed and three more.
    assert.equal(experiment.simulatedSeeds, [5, 6, 7, 8]);
    for (const s of experiment.simulated) assert.ok(s.p99 > 0 && s.p99PerSeed.length === 4 && s.requests > 1200, JSON.stringify(s));
    const gaps = liveGaps(experiment);
    assert.equal(gaps.map((g) => g.quantile), ['p50', 'p99']);
    for (const g of gaps) assert.ok(Number.isFinite(g.gap) && g.gap > 0, JSON.stringify(g));
    assert.match(report, /\| static \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
    assert.match(report, new RegExp(`\\| ${TUNED.candidatePolicy} \\(controller\\) \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\| [\\d.]+ \\|`));
    assert.match(report, /\| p99 \| [\d.]+ \| [\d.]+ \| [\d.]+ \[[\d.]+,[\d.]+\] \| [\d.]+ \|/);
    assert.ok(experiment.bare.requests > 100 && experiment.bare.p50 > 0 && experiment.bare.p99 >= experiment.bare.p50, JSON.stringify(experiment.bare));
    assert.match(report, /Floor: product-service v1 with no fault, called straight at the live rate, answered in p50 [\d.]+ ms, p99 [\d.]+ ms/);
    assert.match(headline(experiment), new RegExp(`^live degradation: ${TUNED.candidatePolicy}/static p99 live=[\\d.]+ simulated=[\\d.]+ gap=[\\d.]+$`));
  });
}

loop.run();
