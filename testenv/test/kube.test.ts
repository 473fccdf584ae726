// The test environment's Kubernetes control plane, each test one real operation through
// @kubernetes/client-node: a real kube-apiserver (on etcd), kube-controller-manager and
// kube-scheduler; the nodes are kwok fakes (no kubelet, no container runs), Istio's CRDs only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiException, AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { V1Deployment } from '@kubernetes/client-node';
import { server } from '../../packages/testkit/src/index.ts';

const kubeconfigPath = server('SHOPMESH_KUBECONFIG');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The status code and the server's message of a failed call (the body is a Status object). */
function apiError(error: unknown): { code: number; message: string } {
  if (!(error instanceof ApiException)) throw error;
  const body: unknown = typeof error.body === 'string' ? safeJson(error.body) : error.body;
  const message =
    body && typeof body === 'object' && 'message' in body ? String((body as { message: unknown }).message) : String(error.body);
  return { code: error.code, message };
}

/** The error of a call that must fail. */
async function rejection(call: Promise<unknown>, what: string): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (error) {
    return apiError(error);
  }
  throw new assert.Assertion({
    message: `${what} was accepted`,
    operator: 'rejects',
    generated: false,
    expects: 'a rejection by the API server',
    actual: 'accepted',
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

if (kubeconfigPath) {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const namespaces: string[] = [];

  async function freshNamespace(purpose: string): Promise<string> {
    const name = `testenv-${purpose}-${process.pid}-${Date.now().toString(36)}`;
    await core.createNamespace({ body: { metadata: { name, labels: { 'shopmesh.dev/test': 'testenv' } } } });
    namespaces.push(name);
    return name;
  }

  const virtualService = (name: string, weight: unknown, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name },
    spec: {
      hosts: ['catalog'],
      http: [
        {
          ...extra,
          route: [
            { destination: { host: 'catalog', subset: 'v1' }, weight },
            { destination: { host: 'catalog', subset: 'v2' }, weight: 10 },
          ],
        },
      ],
    },
  });

  test.after(async () => {
    // Namespace deletion removes what the tests created; kwok plays the Pods' deletion.
    await Promise.allSettled(namespaces.map((name) => core.deleteNamespace({ name })));
  });

  test('real kube-apiserver + kwok fake nodes (no kubelet): a 2-replica Deployment becomes Available', async () => {
    const namespace = await freshNamespace('deploy');
    const labels = { app: 'catalog' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'catalog', labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'catalog',
                  // Never pulled: kwok reports the container running without a runtime.
                  image: 'shopmesh/catalog:test',
                  ports: [{ containerPort: 8080 }],
                  readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
                },
              ],
            },
          },
        },
      },
    });

    const deadline = Date.now() + 90_000;
    let deployment: V1Deployment;
    for (;;) {
      deployment = await apps.readNamespacedDeployment({ name: 'catalog', namespace });
      const available = deployment.status?.conditions?.find((condition) => condition.type === 'Available');
      if (available?.status === 'True' && deployment.status?.availableReplicas === 2) break;
      if (Date.now() > deadline) {
        assert.unreachable(`Deployment not Available within 90 s: ${JSON.stringify(deployment.status)}`);
      }
      await sleep(500);
    }
    assert.is(deployment.status?.readyReplicas, 2);

    const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=catalog' });
    const running = pods.items.filter((pod) => pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp);
    assert.is(running.length, 2);
    for (const pod of running) {
      assert.match(pod.spec?.nodeName ?? '', /^kwok-node-\d+$/, 'scheduled onto a kwok fake node');
      assert.ok(pod.status?.podIP, 'kwok assigned a pod IP');
      const ready = pod.status?.conditions?.find((condition) => condition.type === 'Ready');
      assert.is(ready?.status, 'True');
    }
  });

  test("real kube-apiserver with Istio's CRDs (no Istio control plane): a VirtualService is stored and read back", async () => {
    const namespace = await freshNamespace('vs');
    await custom.createNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace,
      plural: 'virtualservices',
      body: virtualService('catalog', 90),
      fieldValidation: 'Strict',
    });
    const stored = (await custom.getNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace,
      plural: 'virtualservices',
      name: 'catalog',
    })) as ReturnType<typeof virtualService> & { metadata: { uid?: string; namespace?: string } };
    assert.is(stored.kind, 'VirtualService');
    assert.is(stored.metadata.namespace, namespace);
    assert.ok(stored.metadata.uid);
    assert.equal(stored.spec.hosts, ['catalog']);
    assert.equal(
      stored.spec.http[0]!.route.map((route) => [route.destination.subset, route.weight]),
      [
        ['v1', 90],
        ['v2', 10],
      ],
    );
  });

  test("real kube-apiserver with Istio's CRDs: the CRD schema rejects an invalid VirtualService", async () => {
    const namespace = await freshNamespace('vs-invalid');
    const create = (body: object) =>
      custom.createNamespacedCustomObject({
        group: 'networking.istio.io',
        version: 'v1',
        namespace,
        plural: 'virtualservices',
        body,
        fieldValidation: 'Strict',
      });

    // A weight of the wrong type: the openAPIV3Schema of the CRD says integer.
    const wrongType = await rejection(create(virtualService('wrong-type', 'abc')), 'a string weight');
    assert.is(wrongType.code, 422);
    assert.match(wrongType.message, 'VirtualService.networking.istio.io "wrong-type" is invalid');
    assert.match(wrongType.message, 'spec.http[0].route[0].weight in body must be of type integer: "string"');

    // A field the schema does not declare, under strict field validation.
    const unknownField = await rejection(
      create(virtualService('unknown-field', 90, { retriesPerTry: 3 })),
      'an undeclared field',
    );
    assert.is(unknownField.code, 400);
    assert.match(unknownField.message, 'unknown field "spec.http[0].retriesPerTry"');

    const list = (await custom.listNamespacedCustomObject({
      group: 'networking.istio.io',
      version: 'v1',
      namespace,
      plural: 'virtualservices',
    })) as { items: unknown[] };
    assert.is(list.items.length, 0, 'nothing invalid was stored');
  });
}

test.run();
