// The route table and ports come from the manifests only: the real ones agree with themselves and
// with the service folders, and a manifest the dev loop cannot follow is refused naming its place.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { discoverServices } from '../../ci/lib/services.ts';
import { localEnvironment } from '../local-env.ts';
import { devProfile, REPO_ROOT } from '../profile.ts';
import { isDenied, loadTopology, localPort, matchRoute, rewritePath, serviceOf, MANIFEST_PATHS } from '../routes.ts';

const topology = await loadTopology(REPO_ROOT);

test('every service folder has workloads, and every workload a Service on its own port', async () => {
  const folders = (await discoverServices(REPO_ROOT)).map((s) => s.name).sort();
  assert.equal([...new Set(topology.app.map((w) => w.app))].sort(), folders);
  for (const workload of topology.app) {
    const service = serviceOf(topology, workload);
    assert.ok(service, `${workload.name} has a Service`);
    assert.equal(service.ports.map((p) => p.port), [workload.port], `${service.name} serves ${workload.name}'s port`);
    const portVar = workload.container.env?.find((v) => v.name === 'PORT')?.value;
    assert.is(portVar, String(workload.port), `${workload.name}: PORT = containerPort`);
  }
});

test('the routes: one prefix per public service, rewritten to /, to that service on its port; payment-service is internal', () => {
  const internal = topology.routes.filter((r) => r.directResponse);
  assert.equal(
    internal.map((r) => [r.prefix, r.directResponse!.status, r.destinations.length]),
    [['/products/internal/', 404, 0], ['/cart/internal/', 404, 0]],
  );
  assert.is(matchRoute(topology.routes, '/products/internal/reservations/x'), internal[0], "product-service's internal API is answered by the gateway");
  assert.is(matchRoute(topology.routes, '/cart/internal/carts/u/removals'), internal[1], "cart-service's internal API is answered by the gateway");
  const routed = new Map(topology.routes.filter((r) => !r.directResponse && !r.methods).map((r) => [r.prefix, r]));
  const expected: Record<string, string> = {
    '/auth/': 'auth-service', '/products/': 'product-service', '/cart/': 'cart-service', '/orders/': 'order-service',
    '/reviews/': 'review-service', '/search/': 'search-service', '/stats/': 'stats-service', '/notifications/': 'notification-service',
  };
  assert.equal([...routed.keys()].sort(), Object.keys(expected).sort());
  for (const [prefix, app] of Object.entries(expected)) {
    const route = routed.get(prefix)!;
    assert.is(route.rewrite, '/');
    for (const destination of route.destinations) {
      for (const name of destination.workloads) {
        const workload = topology.app.find((w) => w.name === name)!;
        assert.is(workload.app, app, `${prefix} reaches ${app}`);
        assert.is(destination.port, workload.port);
      }
    }
  }
  const products = routed.get('/products/')!;
  assert.equal(products.destinations.map((d) => [d.subset, d.workloads, d.weight]), [['v1', ['product-service-v1'], 50], ['v2', ['product-service-v2'], 50]]);
  assert.not.ok(topology.routes.some((r) => r.destinations.some((d) => d.workloads.includes('payment-service'))));
});

test('matching and rewriting follow Istio: first prefix wins, the rest of the path and the query stay', () => {
  const route = matchRoute(topology.routes, '/products/42?fields=name')!;
  assert.is(route.name, 'product-service');
  assert.is(rewritePath(route, '/products/42?fields=name'), '/42?fields=name');
  assert.is(matchRoute(topology.routes, '/admin/'), undefined);
  assert.is(matchRoute(topology.routes, '/productsx'), undefined, 'the bare prefix matches exactly, not as a prefix');
});

test('non-idempotent POSTs have routes of their own (no retries in the mesh), matched before the general route, to the same service', () => {
  for (const prefix of ['/auth/', '/products/', '/orders/', '/reviews/']) {
    const post = matchRoute(topology.routes, `${prefix}x`, 'POST')!;
    const get = matchRoute(topology.routes, `${prefix}x`, 'GET')!;
    assert.equal(post.methods, ['POST'], prefix);
    assert.is(post.name, `${get.name}-post`);
    assert.equal([...new Set(post.destinations.flatMap((d) => d.workloads))].sort(), [...new Set(get.destinations.flatMap((d) => d.workloads))].sort());
  }
  assert.is(matchRoute(topology.routes, '/cart/items/1', 'PUT')?.name, 'cart-service', 'PUT is idempotent: the general route');
});

test('every public prefix without its slash is matched exactly and rewritten to / (query kept), like the prefix itself', () => {
  for (const route of topology.routes) {
    const bare = route.prefix.replace(/\/$/, '');
    const method = route.methods?.[0] ?? 'GET';
    assert.is(matchRoute(topology.routes, bare, method)?.name, route.name, bare);
    assert.is(matchRoute(topology.routes, `${bare}?page=2`, method)?.name, route.name);
    assert.is(rewritePath(route, `${bare}?page=2`), '/?page=2');
    assert.is(rewritePath(route, bare), '/');
  }
});

test("the mesh's DENY policy for the ingress identity is on every route: /metrics, /readyz and /healthz are denied, other paths are not", () => {
  for (const route of topology.routes) {
    for (const path of ['/metrics', '/readyz', '/healthz', '/readyz?verbose=1']) assert.ok(isDenied(route, path), `${route.name} ${path}`);
    for (const path of ['/', '/42', '/metrics-report', '/x/healthz']) assert.not.ok(isDenied(route, path), `${route.name} ${path}`);
  }
});

test('local ports: the manifest port plus the offset; a second version of a service takes +100', () => {
  const byName = new Map(topology.app.map((w) => [w.name, w]));
  assert.is(localPort(topology, byName.get('auth-service')!, 0), 3001);
  assert.is(localPort(topology, byName.get('product-service-v1')!, 20000), 23002);
  assert.is(localPort(topology, byName.get('product-service-v2')!, 20000), 23102);
  const ports = topology.app.map((w) => localPort(topology, w, 0));
  assert.is(new Set(ports).size, ports.length, 'no two local processes share a port');
});

test("a local process's environment: the manifest's names, in-cluster addresses turned into local ones", () => {
  const profile = { ...devProfile({}), prefix: 'devx', portOffset: 100, redisDb: 7 };
  const servers = { POSTGRES_URL: 'postgres://pg@127.0.0.1:15432/postgres', REDIS_URL: 'redis://127.0.0.1:16379', KAFKA_BROKERS: '127.0.0.1:19092', ELASTICSEARCH_URL: 'http://127.0.0.1:19200' };
  const secrets = { values: { JWT_PRIVATE_KEY: 'pem', ADMIN_EMAIL: 'root@x', ADMIN_PASSWORD: 'secret-pw' }, adminFrom: 'environment' as const };
  const context = { topology, profile, servers, secrets };
  const env = (name: string) => {
    const workload = topology.app.find((w) => w.name === name)!;
    return localEnvironment(context, workload, workload.container);
  };
  const order = env('order-service');
  assert.is(order.DATABASE_URL, 'postgres://pg@127.0.0.1:15432/devx_order');
  assert.is(order.PAYMENT_SERVICE_URL, 'http://127.0.0.1:3109');
  assert.is(order.AUTH_JWKS_URL, 'http://127.0.0.1:3101/.well-known/jwks.json');
  assert.is(order.KAFKA_BROKERS, '127.0.0.1:19092');
  assert.is(order.KAFKA_GROUP_ID, 'devx-order-service');
  assert.is(order.PORT, '3104');
  assert.not.ok('DB_PASSWORD' in order, 'the $(VAR) helpers are not passed on');
  const v2 = env('product-service-v2');
  assert.is(v2.SERVICE_VERSION, 'v2');
  assert.is(v2.REDIS_URL, 'redis://127.0.0.1:16379/7');
  assert.is(v2.PORT, '3202');
  const auth = env('auth-service');
  assert.equal([auth.JWT_PRIVATE_KEY, auth.ADMIN_EMAIL, auth.ADMIN_PASSWORD], ['pem', 'root@x', 'secret-pw']);
  assert.is(env('search-service').ELASTICSEARCH_INDEX, 'devx-search-service');
});

/** A copy of the manifests with one edit, for the refusals. */
function editedManifests(file: string, edit: (text: string) => string): string {
  const root = mkdtempSync(join(tmpdir(), 'dev-routes-'));
  mkdirSync(join(root, MANIFEST_PATHS.istio), { recursive: true });
  for (const path of [MANIFEST_PATHS.app, MANIFEST_PATHS.infra, `${MANIFEST_PATHS.istio}/virtual-service.yaml`, `${MANIFEST_PATHS.istio}/destination-rules.yaml`]) {
    const text = readFileSync(join(REPO_ROOT, path), 'utf8');
    writeFileSync(join(root, path), path === file ? edit(text) : text);
  }
  return root;
}

test('a route to a Service that does not exist is refused, naming the file, line and route', async () => {
  const root = editedManifests(`${MANIFEST_PATHS.istio}/virtual-service.yaml`, (t) => t.replace('host: cart-service-svc', 'host: basket-svc'));
  const error = await loadTopology(root).then(() => undefined, (e: Error) => e);
  assert.ok(error, 'refused');
  assert.match(error.message, /virtual-service\.yaml:\d+: VirtualService main-routing-vs http\[4\]\.route\[0\]: no Service named basket-svc/);
});

test('a subset no DestinationRule declares is refused', async () => {
  const root = editedManifests(`${MANIFEST_PATHS.istio}/virtual-service.yaml`, (t) => t.replace('subset: v2', 'subset: v3'));
  const error = await loadTopology(root).then(() => undefined, (e: Error) => e);
  assert.match(error?.message ?? '', 'no DestinationRule subset v3 for product-service-svc');
});

test('a route port the Service does not have is refused', async () => {
  const root = editedManifests(`${MANIFEST_PATHS.istio}/virtual-service.yaml`, (t) => t.replace('number: 3006', 'number: 3066'));
  const error = await loadTopology(root).then(() => undefined, (e: Error) => e);
  assert.match(error?.message ?? '', 'Service search-service-svc has no port 3066');
});

test.run();
