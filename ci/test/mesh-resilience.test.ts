// Retries, outlier detection, readiness probes and shutdown as the manifests declare them, checked
// against the limits the service kit enforces (no cluster: Istio and the kubelet cannot run here).
import type { V1Deployment } from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { READINESS_CHECK_TIMEOUT_MS } from '../../packages/service-kit/src/health.ts';
import { SHUTDOWN_TIMEOUT_MS } from '../../packages/service-kit/src/service.ts';
import { APP_MANIFESTS, ISTIO_MANIFESTS, loadObjects } from '../steps/deploy.ts';
import { REPO_ROOT } from './fixtures.ts';

interface HttpRoute {
  name: string;
  match: { uri: { prefix?: string; exact?: string }; method?: { exact?: string } }[];
  retries?: { attempts: number; retryOn?: string };
  directResponse?: { status: number };
}

const istio = await loadObjects(REPO_ROOT, [ISTIO_MANIFESTS], 'lirmm-services');
const apps = await loadObjects(REPO_ROOT, [APP_MANIFESTS], 'lirmm-services');
const mainRoutes = (istio.find((o) => o.kind === 'VirtualService' && o.metadata?.name === 'main-routing-vs') as unknown as { spec: { http: HttpRoute[] } }).spec.http;
const SAFE_RETRY_CONDITIONS = new Set(['connect-failure', 'refused-stream']);

test('every gateway route that forwards sets its retries: only on connect-failure and refused-stream, at most 2', () => {
  const forwarding = mainRoutes.filter((route) => !route.directResponse);
  assert.ok(forwarding.length >= 8, 'the public services have forwarding routes');
  for (const route of forwarding) {
    assert.ok(route.retries, `${route.name} has an explicit retry policy (Istio's default retries 503s)`);
    assert.ok(route.retries.attempts <= 2, route.name);
    if (route.retries.attempts > 0) {
      const conditions = (route.retries.retryOn ?? '').split(',');
      assert.ok(conditions.every((c) => SAFE_RETRY_CONDITIONS.has(c)), `${route.name}: retryOn ${route.retries.retryOn}`);
    }
  }
});

test('non-idempotent POSTs (register and login, product creation, order placement, reviews) are never retried, and their route comes first', () => {
  for (const prefix of ['/auth/', '/products/', '/orders/', '/reviews/']) {
    const index = (method?: string): number =>
      mainRoutes.findIndex((r) => r.match.some((m) => m.uri.prefix === prefix && m.method?.exact === method));
    const post = index('POST');
    assert.ok(post >= 0, `${prefix}: a POST route`);
    assert.is(mainRoutes[post]!.retries?.attempts, 0, `${prefix}: POST not retried`);
    assert.ok(post < index(undefined), `${prefix}: the POST route is matched before the general one`);
  }
});

test('every DestinationRule ejects a pod on its own connection failures only (a 503 about a dependency is not the pod\'s fault)', () => {
  const rules = istio.filter((o) => o.kind === 'DestinationRule') as unknown as { metadata: { name: string }; spec: { trafficPolicy?: { outlierDetection?: Record<string, unknown> } } }[];
  assert.ok(rules.length >= 8);
  for (const rule of rules) {
    const outlier = rule.spec.trafficPolicy?.outlierDetection;
    assert.ok(outlier, `${rule.metadata.name}: outlierDetection`);
    assert.is(outlier.splitExternalLocalOriginErrors, true, rule.metadata.name);
    assert.is(outlier.consecutive5xxErrors, 0, rule.metadata.name);
    assert.ok(Number(outlier.consecutiveLocalOriginFailures) > 0, rule.metadata.name);
  }
});

test('every service: readiness probe waits longer than /readyz\'s per-check limit; preStop pause and grace period cover the longest request', () => {
  const deployments = apps.filter((o) => o.kind === 'Deployment') as V1Deployment[];
  assert.ok(deployments.length >= 10);
  for (const deployment of deployments) {
    const name = deployment.metadata?.name;
    const pod = deployment.spec!.template.spec!;
    const container = pod.containers[0]!;
    assert.ok((container.readinessProbe?.timeoutSeconds ?? 1) * 1000 > READINESS_CHECK_TIMEOUT_MS, `${name}: readiness timeoutSeconds`);
    const pause = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    assert.ok(pause > 0, `${name}: preStop pause`);
    assert.ok((pod.terminationGracePeriodSeconds ?? 30) * 1000 > pause * 1000 + SHUTDOWN_TIMEOUT_MS, `${name}: grace period`);
    const paymentTimeout = Number(container.env?.find((v) => v.name === 'PAYMENT_TIMEOUT_MS')?.value ?? 10_000);
    assert.ok(SHUTDOWN_TIMEOUT_MS > paymentTimeout, `${name}: in-flight requests outlast the payment call`);
    const proxyConfig = deployment.spec!.template.metadata?.annotations?.['proxy.istio.io/config'] ?? '{}';
    const drain = /^(\d+)s$/.exec(String((JSON.parse(proxyConfig) as { terminationDrainDuration?: string }).terminationDrainDuration ?? '5s'));
    assert.ok(Number(drain?.[1]) * 1000 >= SHUTDOWN_TIMEOUT_MS, `${name}: the sidecar drains as long as the service`);
  }
});

test.run();
