// The actuator: checks of the owned route and the JSON patch (no server), then against the
// REAL kube-apiserver with Istio's CRDs: read, patch only the owned route, optimistic
// concurrency, and Events.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { server } from '@shopmesh/testkit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findOwnedRoute, OwnedRouteError, weightPatch, type OwnedRouteRef } from '../src/actuator/owned-route.ts';
import { VirtualServiceActuator, VirtualServiceConflictError } from '../src/actuator/virtual-service.ts';
import { KubeFixture, mainRoutingVs, productWeights, VS } from './support/kube.ts';
import { uniqueName } from './support/istio-exporter.ts';

const ref = (namespace: string): OwnedRouteRef => ({
  namespace,
  virtualService: 'main-routing-vs',
  route: 'product-service',
  host: 'product-service-svc',
  subsets: ['v1', 'v2'],
});

const withMeta = (namespace: string, productSubsets?: string[]): ReturnType<typeof mainRoutingVs> => {
  const vs = mainRoutingVs(namespace, productSubsets);
  vs.metadata.resourceVersion = '42';
  vs.metadata.uid = 'uid-1';
  return vs;
};

const checks = suite('owned route checks and patch (no server)');

checks('finds the route by name and reads its weights', () => {
  const snapshot = findOwnedRoute(withMeta('ns'), ref('ns'));
  assert.equal(snapshot.weights, { v1: 50, v2: 50 });
  assert.is(snapshot.routeIndex, 1);
  assert.equal(snapshot.destinationIndex, { v1: 0, v2: 1 });
});

checks('refuses a VirtualService whose owned route is missing, duplicated or differently shaped', () => {
  const noRoute = withMeta('ns');
  noRoute.spec.http = noRoute.spec.http.filter((r) => r.name !== 'product-service');
  assert.throws(() => findOwnedRoute(noRoute, ref('ns')), (e: Error) => e instanceof OwnedRouteError && /no http route named 'product-service' \(routes: auth-service, cart-service\)/.test(e.message));

  const twice = withMeta('ns');
  twice.spec.http.push(twice.spec.http[1] as Record<string, unknown>);
  assert.throws(() => findOwnedRoute(twice, ref('ns')), /2 http routes are named 'product-service'/);

  assert.throws(() => findOwnedRoute(withMeta('ns', ['v1', 'v3']), ref('ns')), /route\[1\]\.destination\.subset is "v3", expected one of v1, v2/);
  assert.throws(() => findOwnedRoute(withMeta('ns', ['v1']), ref('ns')), /no destination for subset\(s\) v2/);

  const otherHost = withMeta('ns');
  ((otherHost.spec.http[1] as { route: { destination: { host: string } }[] }).route[0] as { destination: { host: string } }).destination.host = 'cart-service-svc';
  assert.throws(() => findOwnedRoute(otherHost, ref('ns')), /destination\.host is "cart-service-svc", expected product-service-svc/);

  const fqdn = withMeta('ns');
  ((fqdn.spec.http[1] as { route: { destination: { host: string } }[] }).route[0] as { destination: { host: string } }).destination.host = 'product-service-svc.ns.svc.cluster.local';
  assert.equal(findOwnedRoute(fqdn, ref('ns')).weights, { v1: 50, v2: 50 });

  assert.throws(() => findOwnedRoute({ kind: 'VirtualService' }, ref('ns')), /not a VirtualService object/);
});

checks('the patch tests resourceVersion, route name and subsets, and touches only the weights', () => {
  const snapshot = findOwnedRoute(withMeta('ns'), ref('ns'));
  const patch = weightPatch(snapshot, ref('ns'), { v1: 70, v2: 30 });
  assert.equal(patch, [
    { op: 'test', path: '/metadata/resourceVersion', value: '42' },
    { op: 'test', path: '/spec/http/1/name', value: 'product-service' },
    { op: 'test', path: '/spec/http/1/route/0/destination/subset', value: 'v1' },
    { op: 'add', path: '/spec/http/1/route/0/weight', value: 70 },
    { op: 'test', path: '/spec/http/1/route/1/destination/subset', value: 'v2' },
    { op: 'add', path: '/spec/http/1/route/1/weight', value: 30 },
  ]);
  assert.throws(() => weightPatch(snapshot, ref('ns'), { v1: 70, v2: 20 }), /summing to 90/);
  assert.throws(() => weightPatch(snapshot, ref('ns'), { v1: 70.5, v2: 29.5 }), /integers/);
});

checks("the cluster's own main-routing-vs (k8s/istio/virtual-service.yaml) has the route the controller owns", () => {
  const file = join(import.meta.dirname, '..', '..', 'k8s', 'istio', 'virtual-service.yaml');
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } });
  const vs = docs.find((d) => d.kind === 'VirtualService' && d.metadata?.name === 'main-routing-vs');
  assert.ok(vs, `${file}: no VirtualService main-routing-vs`);
  const namespace = vs.metadata?.namespace ?? 'lirmm-services';
  const snapshot = findOwnedRoute({ ...vs, metadata: { ...vs.metadata, resourceVersion: '1', uid: 'u' } }, ref(namespace));
  assert.is(namespace, 'lirmm-services');
  assert.is((snapshot.weights.v1 as number) + (snapshot.weights.v2 as number), 100);
});

checks.run();

const live = suite('VirtualService actuator against the real kube-apiserver');
const kubeconfigPath = server('SHOPMESH_KUBECONFIG');

// Decided when the file loads: without the API server the tests are registered skipped, not left out.
const it = kubeconfigPath ? live : live.skip;

{
  let kube: KubeFixture;
  let namespace = '';
  let actuator: VirtualServiceActuator;

  live.before(async () => {
    if (!kubeconfigPath) return;
    kube = new KubeFixture(kubeconfigPath);
    namespace = await kube.namespace(uniqueName('lab-vs'));
    await kube.createVirtualService(mainRoutingVs(namespace));
    actuator = new VirtualServiceActuator(kube.kubeConfig, ref(namespace));
  });
  live.after(() => kube?.cleanup());

  it('patches only the owned route, reads back the new weights, and records an Event', async () => {
    const before = await kube.getVirtualService(namespace);
    const snapshot = await actuator.read();
    assert.equal(snapshot.weights, { v1: 50, v2: 50 });
    const written = await actuator.apply(snapshot, { v1: 70, v2: 30 });
    assert.equal(written.weights, { v1: 70, v2: 30 });
    assert.is.not(written.resourceVersion, snapshot.resourceVersion);

    const after = await kube.getVirtualService(namespace);
    assert.equal(productWeights(after), { v1: 70, v2: 30 });
    // Everything else is byte-for-byte what it was.
    const expected = structuredClone(before.spec);
    const route = expected.http[1] as { route: { weight: number }[] };
    (route.route[0] as { weight: number }).weight = 70;
    (route.route[1] as { weight: number }).weight = 30;
    assert.equal(after.spec, expected);
    assert.equal(after.metadata.labels, before.metadata.labels);

    await actuator.recordEvent(written, { type: 'Normal', reason: 'WeightsChanged', message: 'product-service: v1=50 v2=50 -> v1=70 v2=30 (test)' });
    const events = await kube.eventsAbout(namespace);
    const event = events.find((e) => e.reason === 'WeightsChanged');
    assert.ok(event, `events: ${JSON.stringify(events.map((e) => e.reason))}`);
    assert.is(event.involvedObject.kind, 'VirtualService');
    assert.is(event.involvedObject.uid, written.uid);
    assert.is(event.type, 'Normal');
    assert.match(event.message ?? '', 'v1=50 v2=50 -> v1=70 v2=30');
    assert.is(event.source?.component, 'shopmesh-lab-controller');
  });

  it('a change made by someone else since the read is not overwritten', async () => {
    const stale = await actuator.read();
    await kube.custom.patchNamespacedCustomObject(
      { ...VS, namespace, name: 'main-routing-vs', body: [{ op: 'add', path: '/metadata/labels', value: { edited: 'by-hand' } }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    const weightsBefore = productWeights(await kube.getVirtualService(namespace));
    try {
      await actuator.apply(stale, { v1: 10, v2: 90 });
      assert.unreachable('a stale snapshot was written');
    } catch (error) {
      assert.instance(error, VirtualServiceConflictError);
    }
    assert.equal(productWeights(await kube.getVirtualService(namespace)), weightsBefore);
    const fresh = await actuator.read();
    assert.equal((await actuator.apply(fresh, { v1: 10, v2: 90 })).weights, { v1: 10, v2: 90 });
  });

  it('a VirtualService whose owned route does not match is refused before any patch', async () => {
    const other = await kube.namespace(uniqueName('lab-vs-bad'));
    await kube.createVirtualService(mainRoutingVs(other, ['v1', 'canary']));
    const wrong = new VirtualServiceActuator(kube.kubeConfig, ref(other));
    try {
      await wrong.read();
      assert.unreachable('a mismatched route was accepted');
    } catch (error) {
      assert.instance(error, OwnedRouteError);
      assert.match((error as Error).message, /subset is "canary"/);
    }
  });
}

live.run();
