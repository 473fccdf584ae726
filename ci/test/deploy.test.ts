// The deploy stage against the test environment's real kube-apiserver and kube-controller-manager,
// with kwok fake nodes: Deployments, ReplicaSets and rollouts are the real controllers' work, and
// kwok marks pods Running and Ready without a kubelet, so no container runs. The manifests are the
// project's own (k8s/), moved into a namespace of their own.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { placeholderImageNames } from '../lib/images.ts';
import type { PlannedImage } from '../lib/image-sources.ts';
import type { Kube } from '../lib/kube.ts';
import { Log, memorySink } from '../lib/log.ts';
import { ensureAuthSecret, ensureNamespace } from '../steps/cluster.ts';
import { loadImageMap } from '../lib/image-map.ts';
import { podTemplateHash, ROLLS_WITH_TEMPLATE } from '../lib/rolls-with.ts';
import { APP_MANIFESTS, INFRA_MANIFESTS, ISTIO_MANIFESTS, loadObjects, RESTARTED_AT, runDeployStage, type DeployStageInput } from '../steps/deploy.ts';
import { manifestsInNamespace, removeTree, REPO_ROOT, testKube, uniqueName } from './fixtures.ts';

const deploy = suite('deploy (real API server and controllers, kwok nodes: no containers run)');
const target = testKube();
const namespace = uniqueName('shopmesh-deploy');
let root = '';
let names: string[] = [];
let kube: Kube;

const hex = (seed: string): string => Buffer.from(seed.padEnd(6, '0')).toString('hex').slice(0, 12);
function imagesTagged(tags: Record<string, string> = {}): PlannedImage[] {
  return names.map((name) => {
    const tag = `shopmesh/${name}:${hex(tags[name] ?? 'first')}`;
    return { name, folder: `services/${name}`, dockerfile: `services/${name}/Dockerfile`, digest: '', tag, ref: tag };
  });
}

async function runDeploy(images: PlannedImage[], extra: Partial<DeployStageInput> = {}) {
  const { sink, lines } = memorySink();
  const result = await runDeployStage({
    kube,
    log: new Log(sink),
    root,
    namespace,
    images,
    only: undefined,
    restart: false,
    withLab: false,
    timeoutMs: 120_000,
    ...extra,
  });
  return { result, lines };
}

async function deployments(): Promise<Map<string, V1Deployment>> {
  const list = await kube.apps.listNamespacedDeployment({ namespace });
  return new Map(list.items.map((item) => [item.metadata?.name ?? '', item]));
}

async function replicaSetNames(): Promise<string[]> {
  return (await kube.apps.listNamespacedReplicaSet({ namespace })).items.map((item) => item.metadata?.name ?? '').sort();
}

const generations = (all: Map<string, V1Deployment>): Record<string, number> =>
  Object.fromEntries([...all].map(([name, item]) => [name, item.metadata?.generation ?? 0]));

const imageOf = (deployment: V1Deployment | undefined): string | undefined => deployment?.spec?.template.spec?.containers[0]?.image;

deploy.before(async () => {
  if (!target) return;
  kube = target.kube;
  root = manifestsInNamespace(namespace);
  names = [...placeholderImageNames(await loadObjects(root, [APP_MANIFESTS], namespace))].sort();
  const log = new Log(() => undefined);
  await ensureNamespace(kube, log, namespace);
  await ensureAuthSecret(kube, log, namespace);
});

deploy.after(async () => {
  if (!target) return;
  await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  removeTree(root);
});

(target ? deploy : deploy.skip)('first deploy: infra applied and ready before the services; every rollout completes', async () => {
  const { result, lines } = await runDeploy(imagesTagged());
  const at = (text: string): number => lines.findIndex((line) => line.includes(text));
  assert.ok(at('infra:') >= 0 && at('infra:') < at('waiting for the infrastructure'), lines.join('\n'));
  assert.ok(at('waiting for the infrastructure') < at('services and Istio:'));
  assert.ok(lines.some((line) => line.includes('postgres') || line.includes('db-deployment: rolled out')), 'infra rollouts were watched');

  const all = await deployments();
  const appDeployments = [...all.keys()].filter((name) => names.some((service) => name.startsWith(service)));
  assert.ok(appDeployments.length >= 10, `app Deployments: ${appDeployments.join(', ')}`);
  assert.equal(result.rolled.sort(), appDeployments.sort());
  for (const name of appDeployments) {
    const item = all.get(name);
    assert.match(imageOf(item) ?? '', /^shopmesh\/[a-z-]+:[0-9a-f]{12}$/, `${name} runs the digest tag`);
    assert.ok((item?.status?.availableReplicas ?? 0) >= 1, `${name} is available`);
    assert.ok(item?.metadata?.managedFields?.some((entry) => entry.manager === 'shopmesh-pipeline' && entry.operation === 'Apply'));
  }
  // Every VirtualService of k8s/istio is applied with the services, the mesh's (calls between
  // services) as well as the gateway's, retry policies included.
  type RoutedSpec = { spec?: { gateways?: string[]; http?: { name?: string; retries?: unknown }[] } };
  const virtualServices = (await loadObjects(root, [ISTIO_MANIFESTS], namespace)).filter((o) => o.kind === 'VirtualService');
  assert.ok(virtualServices.some((vs) => (vs as RoutedSpec).spec?.gateways?.includes('mesh')), 'the manifests have VirtualServices for the mesh');
  for (const vs of virtualServices) {
    const stored = (await kube.objects.read({ apiVersion: vs.apiVersion!, kind: 'VirtualService', metadata: { name: vs.metadata!.name!, namespace } })) as RoutedSpec;
    const routes = (object: RoutedSpec) => (object.spec?.http ?? []).map((route) => ({ name: route.name, retries: route.retries }));
    assert.equal(routes(stored), routes(vs as RoutedSpec), `${vs.metadata!.name}: applied with its routes' retries`);
    assert.equal(stored.spec?.gateways, (vs as RoutedSpec).spec?.gateways);
  }
});

(target ? deploy : deploy.skip)('second deploy with nothing changed: every object unchanged, same generations, no new ReplicaSet', async () => {
  const before = generations(await deployments());
  const replicaSets = await replicaSetNames();
  const { result, lines } = await runDeploy(imagesTagged());
  assert.equal(result.rolled, []);
  const changed = result.applied.filter((item) => item.outcome !== 'unchanged').map((item) => `${item.id} ${item.outcome}`);
  assert.equal(changed, [], 'server-side apply of the same manifests is a no-op');
  assert.equal(generations(await deployments()), before);
  assert.equal(await replicaSetNames(), replicaSets);
  assert.ok(lines.includes('no Deployment changed: nothing rolls'));
});

(target ? deploy : deploy.skip)('a new tag for one service rolls exactly its Deployment', async () => {
  const before = await deployments();
  const { result } = await runDeploy(imagesTagged({ 'cart-service': 'second' }));
  assert.equal(result.rolled, ['cart-service-deployment']);
  const after = await deployments();
  for (const [name, item] of after) {
    const bumped = (item.metadata?.generation ?? 0) !== (before.get(name)?.metadata?.generation ?? 0);
    assert.is(bumped, name === 'cart-service-deployment', `${name} generation`);
  }
  assert.is(imageOf(after.get('cart-service-deployment')), `shopmesh/cart-service:${hex('second')}`);
  assert.ok((after.get('cart-service-deployment')?.status?.updatedReplicas ?? 0) >= 1);
});

(target ? deploy : deploy.skip)('--only keeps the running image of the services left out', async () => {
  const images = imagesTagged({ 'cart-service': 'third', 'order-service': 'third' });
  const { result } = await runDeploy(images, { only: ['cart-service'] });
  assert.equal(result.rolled, ['cart-service-deployment']);
  const after = await deployments();
  assert.is(imageOf(after.get('cart-service-deployment')), `shopmesh/cart-service:${hex('third')}`);
  assert.is(imageOf(after.get('order-service-deployment')), `shopmesh/order-service:${hex('first')}`);
});

(target ? deploy : deploy.skip)('--restart --only payment-service rolls it alone; the next plain deploy does not roll it again', async () => {
  const images = imagesTagged({ 'cart-service': 'third' });
  const before = generations(await deployments());
  const { result } = await runDeploy(images, { restart: true, only: ['payment-service'] });
  assert.equal(result.rolled, []);
  assert.equal(result.restarted, ['payment-service-deployment']);
  const after = await deployments();
  const payment = after.get('payment-service-deployment');
  assert.ok(payment?.spec?.template.metadata?.annotations?.[RESTARTED_AT], 'restartedAt annotation set');
  for (const [name, generation] of Object.entries(generations(after))) {
    assert.is(generation !== before[name], name === 'payment-service-deployment', `${name} generation`);
  }
  const again = await runDeploy(images, { only: ['payment-service'] });
  assert.equal(again.result.rolled, []);
  assert.equal(generations(await deployments()), generations(after), 'the annotation is not owned by the apply: no second roll');
});

(target ? deploy : deploy.skip)('--image-map: infra Deployments run the mapped images, each swap reported; the services do not roll; without the map the manifests\' images return', async () => {
  const map = await loadImageMap(join(REPO_ROOT, 'testenv/images/image-map.yaml'));
  const images = imagesTagged({ 'cart-service': 'third' });
  const mapped = await runDeploy(images, { imageMap: map });
  assert.equal(mapped.result.rolled, [], 'no service Deployment changes');
  const after = await deployments();
  const expected: Record<string, string> = {
    'auth-db-deployment': 'shopmesh/standin-postgres:16.10-alpine',
    'stats-db-deployment': 'shopmesh/standin-postgres:16.10-alpine',
    'redis-deployment': 'shopmesh/standin-redis:7.4.6-alpine',
    'zookeeper-deployment': 'shopmesh/standin-zookeeper:7.9.0',
    'kafka-deployment': 'shopmesh/standin-kafka:7.9.0',
  };
  for (const [name, image] of Object.entries(expected)) {
    assert.is(imageOf(after.get(name)), image, name);
    assert.ok((after.get(name)?.status?.updatedReplicas ?? 0) >= 1, `${name} rolled to the stand-in`);
  }
  assert.ok(
    mapped.lines.some((line) => line.includes(`image map: Deployment/${namespace}/kafka-deployment container kafka: confluentinc/cp-kafka:7.9.0 -> shopmesh/standin-kafka:7.9.0`)),
    mapped.lines.join('\n'),
  );
  const unmapped = await runDeploy(images);
  assert.is(imageOf((await deployments()).get('auth-db-deployment')), 'postgres:16.10-alpine');
  assert.not.ok(unmapped.lines.some((line) => line.includes('image map')));
});

(target ? deploy : deploy.skip)('a change to ZooKeeper\'s pod template rolls Kafka in the same deploy (its data holds ZooKeeper\'s cluster id); other infra stays', async () => {
  const images = imagesTagged({ 'cart-service': 'third' });
  const before = generations(await deployments());
  const infraFile = join(root, INFRA_MANIFESTS);
  const manifest = readFileSync(infraFile, 'utf8');
  const zookeeperImage = /image: (confluentinc\/cp-zookeeper:\S+)/.exec(manifest)?.[1];
  assert.ok(zookeeperImage, 'the infra manifest runs a ZooKeeper image');
  writeFileSync(infraFile, manifest.replace(zookeeperImage, `${zookeeperImage}-changed`));
  await runDeploy(images);
  const after = await deployments();
  for (const [name, generation] of Object.entries(generations(after))) {
    const expected = name === 'zookeeper-deployment' || name === 'kafka-deployment';
    assert.is(generation !== before[name], expected, `${name} generation`);
  }
  // The hash is of ZooKeeper's template as applied (the manifest), not as the server defaults it.
  const applied = await loadObjects(root, [INFRA_MANIFESTS], namespace);
  const zookeeper = applied.find((o) => o.metadata?.name === 'zookeeper-deployment') as V1Deployment;
  assert.is(after.get('kafka-deployment')?.spec?.template.metadata?.annotations?.[ROLLS_WITH_TEMPLATE], podTemplateHash(zookeeper));
});

deploy.run();

export type { KubernetesObject };
