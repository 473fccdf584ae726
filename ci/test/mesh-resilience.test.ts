// Retries, outlier detection, readiness probes and shutdown as the manifests declare them, checked
// against the limits the service kit enforces and the calls the services' code makes (no cluster:
// Istio and the kubelet cannot run here).
import type { V1Deployment, V1Service } from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { READINESS_CHECK_TIMEOUT_MS } from '../../packages/service-kit/src/health.ts';
import { SHUTDOWN_TIMEOUT_MS } from '../../packages/service-kit/src/service.ts';
import { APP_MANIFESTS, ISTIO_MANIFESTS, loadObjects } from '../steps/deploy.ts';
import { join } from 'node:path';
import { makeTree, removeTree, REPO_ROOT } from './fixtures.ts';
import { callsInFile, serviceCalls, type ServiceCall } from './service-calls.ts';

interface HttpRoute {
  name: string;
  match: { uri: { prefix?: string; exact?: string }; method?: { exact?: string } }[];
  retries?: { attempts: number; retryOn?: string };
  directResponse?: { status: number };
}

/** A route of a VirtualService for the mesh: its matches may name a method alone, or be absent (any request). */
interface MeshRoute {
  name: string;
  match?: Record<string, unknown>[];
  retries?: { attempts: number; retryOn?: string };
  route?: { destination: { host: string; subset?: string } }[];
}

interface VirtualService {
  metadata: { name: string; namespace: string };
  spec: { hosts: string[]; gateways?: string[]; http: MeshRoute[] };
}

const istio = await loadObjects(REPO_ROOT, [ISTIO_MANIFESTS], 'lirmm-services');
const apps = await loadObjects(REPO_ROOT, [APP_MANIFESTS], 'lirmm-services');
const mainRoutes = (istio.find((o) => o.kind === 'VirtualService' && o.metadata?.name === 'main-routing-vs') as unknown as { spec: { http: HttpRoute[] } }).spec.http;
const SAFE_RETRY_CONDITIONS = new Set(['connect-failure', 'refused-stream']);
/** Methods whose repeat is not the same request: never retried once sent. */
const NON_IDEMPOTENT = new Set(['POST', 'PATCH']);
/** retryOn conditions that would resend a request a server received and answered. */
const STATUS_CONDITIONS = ['5xx', '503', 'gateway-error', 'retriable-status-codes', 'reset', 'unavailable'];

const virtualServices = istio.filter((o) => o.kind === 'VirtualService') as unknown as VirtualService[];
const boundToMesh = (vs: VirtualService): boolean => !vs.spec.gateways?.length || vs.spec.gateways.includes('mesh');
const shortHost = (host: string, namespace: string): string => host.replace(new RegExp(`\\.${namespace}(\\.svc(\\.cluster\\.local)?)?$`), '');

/** Services of our application (app-manifests.yaml): the hosts a call between services reaches. */
const appServices = new Set((apps.filter((o) => o.kind === 'Service') as V1Service[]).map((s) => s.metadata!.name!));

/**
 * The calls inside the mesh: each service's `*_URL` settings that point at one of our Services (a
 * GET of the URL's path: how a bare fetch uses it), and every call the code makes through a client
 * (service-calls.ts), whose named service must be one a setting points at.
 */
function meshCalls(): (ServiceCall & { host: string })[] {
  const calls: (ServiceCall & { host: string })[] = [];
  for (const deployment of apps.filter((o) => o.kind === 'Deployment') as V1Deployment[]) {
    for (const env of deployment.spec!.template.spec!.containers.flatMap((c) => c.env ?? [])) {
      const url = /^https?:\/\/([a-z0-9.-]+)(?::\d+)?(\/[^?]*)?/.exec(env.value ?? '');
      if (!env.name.endsWith('_URL') || !url || !appServices.has(shortHost(url[1]!, 'lirmm-services'))) continue;
      calls.push({ at: `k8s/app-manifests.yaml ${deployment.metadata!.name} ${env.name}`, peer: undefined, method: 'GET', path: url[2] ?? '/', host: shortHost(url[1]!, 'lirmm-services') });
    }
  }
  const settingHosts = new Set(calls.map((c) => c.host));
  for (const call of serviceCalls(REPO_ROOT)) {
    if (call.peer === undefined) continue; // a bare fetch: a GET of a configured URL, counted above
    const host = `${call.peer}-svc`;
    assert.ok(settingHosts.has(host), `${call.at}: calls ${call.peer}, but no *_URL setting of app-manifests.yaml points at ${host}`);
    calls.push({ ...call, host });
  }
  return calls;
}

/** The first route of `vs` that takes `method path` (matches on method and uri only). */
function routeFor(vs: VirtualService, call: ServiceCall): MeshRoute | undefined {
  return vs.spec.http.find((route) => {
    if (!route.match?.length) return true;
    return route.match.some((match) => {
      const { method, uri, ...rest } = match as { method?: { exact?: string }; uri?: { prefix?: string; exact?: string } };
      assert.equal(Object.keys(rest), [], `${vs.metadata.name} ${route.name}: this check reads method and uri matches only`);
      if (method && method.exact !== call.method) return false;
      if (!uri) return true;
      assert.ok(Object.keys(uri).every((key) => key === 'prefix' || key === 'exact'), `${vs.metadata.name} ${route.name}: this check reads uri.prefix and uri.exact only`);
      assert.ok(call.path !== undefined, `${call.at}: the path is not spelled in the code, and route ${route.name} of ${vs.metadata.name} matches on it`);
      const path = call.path.split('?')[0]!;
      return uri.exact !== undefined ? path === uri.exact : path.startsWith(uri.prefix ?? '');
    });
  });
}

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

test('every call between services (read from the code and the *_URL settings) takes a mesh route with an explicit retry policy: connection failures only, none for POSTs', () => {
  const calls = meshCalls();
  assert.ok(calls.some((c) => c.peer !== undefined && NON_IDEMPOTENT.has(c.method)), 'the reader finds the POSTs order-service makes');
  assert.ok(calls.some((c) => c.peer === undefined), 'the reader finds the *_URL settings');
  const meshServices = virtualServices.filter(boundToMesh);
  for (const call of calls) {
    const owners = meshServices.filter((vs) => vs.spec.hosts.some((h) => shortHost(h, vs.metadata.namespace) === call.host));
    assert.is(owners.length, 1, `${call.at}: ${call.host} has one VirtualService for the mesh (without one, Istio's default retries 503s)`);
    const vs = owners[0]!;
    const route = routeFor(vs, call);
    const what = `${call.at}: ${call.method} ${call.path ?? '(path from a variable)'} to ${call.host}, route ${route?.name} of ${vs.metadata.name}`;
    assert.ok(route, `${what}: a route takes it`);
    assert.ok(route.retries, `${what}: an explicit retry policy`);
    assert.ok(route.route?.every((r) => shortHost(r.destination.host, vs.metadata.namespace) === call.host), `${what}: goes to ${call.host}`);
    const conditions = (route.retries.retryOn ?? '').split(',').filter(Boolean);
    assert.equal(conditions.filter((c) => STATUS_CONDITIONS.includes(c)), [], `${what}: retryOn ${route.retries.retryOn}`);
    if (NON_IDEMPOTENT.has(call.method)) {
      assert.is(route.retries.attempts, 0, `${what}: a ${call.method} is never retried`);
    } else {
      assert.ok(route.retries.attempts > 0 && route.retries.attempts <= 2, `${what}: attempts ${route.retries.attempts}`);
      assert.ok(conditions.length > 0 && conditions.every((c) => SAFE_RETRY_CONDITIONS.has(c)), `${what}: retryOn ${route.retries.retryOn}`);
    }
  }
});

test('the reader of calls between services takes every client call, and refuses what it cannot classify rather than leave it out', () => {
  const root = makeTree({
    'calls.ts': "const peer = createHttpClient({ name: 'x-service', baseUrl });\nawait peer.request('PATCH', `/items/${id}`);\nawait peer.post('/a', {});\nawait fetch(url);\n",
    'variable-method.ts': "const peer = createHttpClient({ name: 'x-service', baseUrl });\nawait peer.request(method, '/');\n",
    'posting-fetch.ts': "await fetch(url, { method: 'POST' });\n",
    'unknown-client-method.ts': "const peer = createHttpClient({ name: 'x-service', baseUrl });\nawait peer.put('/');\n",
  });
  try {
    assert.equal(callsInFile(root, join(root, 'calls.ts')), [
      { at: 'calls.ts:2', peer: 'x-service', method: 'PATCH', path: '/items/x' },
      { at: 'calls.ts:3', peer: 'x-service', method: 'POST', path: '/a' },
      { at: 'calls.ts:4', peer: undefined, method: 'GET', path: undefined },
    ]);
    assert.throws(() => callsInFile(root, join(root, 'variable-method.ts')), /variable-method\.ts:2: peer\.request without a literal method/);
    assert.throws(() => callsInFile(root, join(root, 'posting-fetch.ts')), /posting-fetch\.ts:1: a bare fetch that is not a GET/);
    assert.throws(() => callsInFile(root, join(root, 'unknown-client-method.ts')), /unknown-client-method\.ts:2: peer\.put: not an HttpClient method/);
  } finally {
    removeTree(root);
  }
});

test('every route for the mesh sets its retries; every host called inside the mesh has a DestinationRule with outlier detection', () => {
  const meshServices = virtualServices.filter(boundToMesh);
  for (const vs of meshServices) {
    for (const route of vs.spec.http) assert.ok(route.retries, `${vs.metadata.name} ${route.name}: an explicit retry policy`);
  }
  const rules = istio.filter((o) => o.kind === 'DestinationRule') as unknown as { metadata: { name: string; namespace: string }; spec: { host: string; trafficPolicy?: { outlierDetection?: unknown } } }[];
  for (const host of new Set(meshCalls().map((c) => c.host))) {
    const rule = rules.find((r) => shortHost(r.spec.host, r.metadata.namespace) === host);
    assert.ok(rule?.spec.trafficPolicy?.outlierDetection, `${host}: a DestinationRule with outlierDetection`);
  }
});

test('main-routing-vs stays the gateway\'s alone: the lab\'s route product-service keeps its subsets, and no VirtualService for the mesh replaces it', () => {
  const main = virtualServices.find((vs) => vs.metadata.name === 'main-routing-vs')!;
  assert.equal(main.spec.gateways, ['lirmm-gateway']);
  const owned = main.spec.http.find((r) => r.name === 'product-service');
  assert.equal(owned?.route?.map((r) => r.destination.subset), ['v1', 'v2']);
  assert.ok(virtualServices.filter((vs) => vs.metadata.name === 'main-routing-vs').length === 1);
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
