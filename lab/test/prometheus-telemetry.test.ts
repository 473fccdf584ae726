// The controller's observer against the REAL Prometheus of the test environment, scraping a
// stand-in for Envoy's data plane (Istio-named metrics at the network boundary).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '@shopmesh/testkit';
import { istioQueries, promString } from '../src/telemetry/promql.ts';
import { IstioPrometheusTelemetry } from '../src/telemetry/prometheus.ts';
import { closedPortUrl, FakeIstioExporter, uniqueName, waitFor } from './support/istio-exporter.ts';

const promql = suite('PromQL templates');

promql('queries use Istio names, reporter="destination", the namespace and workload selectors, and the window', () => {
  const q = istioQueries({ namespace: 'lirmm-services', workloadRegex: 'product-service-.*' }, 60);
  for (const query of [q.requests, q.errors, q.latencySum, q.latencyCount, q.buckets]) {
    assert.match(query, 'reporter="destination"');
    assert.match(query, 'destination_workload_namespace="lirmm-services"');
    assert.match(query, 'destination_workload=~"product-service-.*"');
    assert.match(query, '[60s]');
    assert.match(query, 'by (destination_version');
  }
  assert.match(q.requests, 'istio_requests_total{');
  assert.match(q.errors, 'response_code=~"5.."');
  assert.match(q.buckets, 'istio_request_duration_milliseconds_bucket{');
  assert.match(q.buckets, 'by (destination_version, le)');
  assert.match(q.newestSample, 'timestamp(istio_requests_total{');
  assert.is(promString('a"b\\c'), '"a\\"b\\\\c"');
  assert.throws(() => istioQueries({ namespace: 'x', workloadRegex: '.*' }, 1.5), /whole number/);
});

promql.run();

const live = suite('Istio telemetry from the real Prometheus (Envoy replaced by an exporter at the network boundary)');
const prometheusUrl = server('PROMETHEUS_URL');
const targetsDir = server('PROMETHEUS_TARGETS_DIR');

// Decided when the file loads: without the servers the tests are registered skipped, not left out.
const available = Boolean(prometheusUrl && targetsDir);
const it = available ? live : live.skip;

{
  const namespace = uniqueName('lab-telemetry');
  const exporter = new FakeIstioExporter(namespace, {
    v1: { ratePerSecond: 40, latencyMs: 80, errorRate: 0 },
    v2: { ratePerSecond: 60, latencyMs: 12, errorRate: 0.1 },
  });
  const windowSeconds = 5;
  const telemetry = new IstioPrometheusTelemetry({
    prometheusUrl: prometheusUrl ?? '',
    selector: { namespace, workloadRegex: 'product-service-.*' },
    subsets: ['v1', 'v2'],
    windowSeconds,
    staleAfterSeconds: 30,
  });

  live.before(async () => {
    if (!available) return;
    await exporter.start(targetsDir!);
  });
  live.after(async () => {
    if (!available) return;
    await exporter.stop();
  });

  it('observations per subset: request rate, error rate, mean latency and percentiles', async () => {
    const reading = await waitFor('Prometheus to hold a full window of the exporter', 60_000, async () => {
      const r = await telemetry.observe(Date.now() / 1000);
      const ok = r.observations.every((o) => o.status === 'ok' && o.requestRate > 0);
      // Wait until the window only covers scrapes of a running exporter.
      return ok && exporter.scrapes > windowSeconds + 2 ? r : undefined;
    });
    assert.is(reading.error, undefined);
    const [v1, v2] = reading.observations;
    assert.ok(v1 && v2);
    assert.is(v1.subset, 'v1');
    assert.ok(Math.abs(v1.requestRate - 40) < 40 * 0.3, `v1 rate ${v1.requestRate}`);
    assert.ok(Math.abs(v2.requestRate - 60) < 60 * 0.3, `v2 rate ${v2.requestRate}`);
    assert.ok(v1.errorRate < 0.001, `v1 error rate ${v1.errorRate}`);
    assert.ok(Math.abs(v2.errorRate - 0.1) < 0.03, `v2 error rate ${v2.errorRate}`);
    assert.ok(Math.abs(v1.meanLatencyMs - 80) < 2, `v1 mean ${v1.meanLatencyMs}`);
    assert.ok(Math.abs(v2.meanLatencyMs - (0.9 * 12 + 0.1 * 1)) < 1, `v2 mean ${v2.meanLatencyMs}`);
    // All of v1's requests take 80 ms: its percentiles fall in Istio's (50, 100] bucket.
    assert.ok(v1.latencyMs.p50 > 50 && v1.latencyMs.p99 <= 100, JSON.stringify(v1.latencyMs));
    assert.ok(v2.latencyMs.p99 > 10 && v2.latencyMs.p99 <= 25, JSON.stringify(v2.latencyMs));
    assert.ok(Date.now() / 1000 - v1.sampledAt < 5, 'newest sample is recent');
    assert.is(v1.buckets[v1.buckets.length - 1]?.le, Infinity);
  });

  it('a subset without series is reported as no-data, naming the label', async () => {
    const other = new IstioPrometheusTelemetry({
      prometheusUrl: prometheusUrl!,
      selector: { namespace, workloadRegex: 'product-service-.*' },
      subsets: ['v1', 'v3'],
      windowSeconds,
      staleAfterSeconds: 30,
    });
    const reading = await other.observe(Date.now() / 1000);
    assert.is(reading.observations[0]?.status, 'ok');
    assert.is(reading.observations[1]?.status, 'no-data');
    assert.match(reading.observations[1]?.detail ?? '', 'destination_version="v3"');
  });

  it('an unreachable Prometheus gives no-data for every subset and says why', async () => {
    const unreachable = new IstioPrometheusTelemetry({
      prometheusUrl: await closedPortUrl(),
      selector: { namespace, workloadRegex: 'product-service-.*' },
      subsets: ['v1', 'v2'],
      windowSeconds,
      staleAfterSeconds: 30,
      timeoutMs: 2000,
    });
    const reading = await unreachable.observe(Date.now() / 1000);
    assert.match(reading.error ?? '', /unreachable/);
    assert.ok(reading.observations.every((o) => o.status === 'no-data' && o.detail.includes('unreachable')));
  });

  it('when the data plane stops answering scrapes, its series go stale and observations say no-data', async () => {
    await exporter.stopServing();
    const reading = await waitFor('Prometheus to mark the series stale', 30_000, async () => {
      const r = await telemetry.observe(Date.now() / 1000);
      return r.observations.every((o) => o.status !== 'ok') ? r : undefined;
    });
    assert.ok(reading.observations.every((o) => o.detail.includes('no istio_requests_total series')), JSON.stringify(reading.observations.map((o) => o.detail)));
  });
}

live.run();
