// The Kafka broker of k8s/infra-manifests.yaml on the real node, with its real NetworkPolicies,
// Services and probes (images swapped by testenv/images/image-map.yaml, pods pinned to the node):
// the broker advertises kafka-svc:9092 and, as its own controller, connects to itself through that
// Service, so its ingress policy must admit the broker's own pods. Without that, no partition gets a
// leader: a producer's messages are never acknowledged and consumers never join their group.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { realNode } from '../../packages/testkit/src/real-node.ts';
import { applyObjects } from '../lib/apply.ts';
import { applyImageMap, loadImageMap } from '../lib/image-map.ts';
import { Log } from '../lib/log.ts';
import { withPlacement } from '../lib/placement.ts';
import { waitForRollouts } from '../lib/rollout.ts';
import { INFRA_MANIFESTS, loadObjects, workloadsOf } from '../steps/deploy.ts';
import { manifestsInNamespace, removeTree, testKube, uniqueName } from './fixtures.ts';
import { IMAGE_MAP, loadInfraImages } from './standins/real-node-run.ts';

const test = suite('Kafka NetworkPolicy on the real node');
const target = testKube();
const node = realNode();

async function waitForPod(name: string, namespace: string, deadlineMs: number): Promise<V1Pod> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const pod = await target!.kube.core.readNamespacedPod({ name, namespace });
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed' || Date.now() > end) return pod;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

(target && node ? test : test.skip)('a consumer group of an allowed service joins and reads what was produced through kafka-svc', async () => {
  const { kube } = target!;
  const pinned = node!;
  const namespace = uniqueName('shopmesh-kafka-policy');
  const root = manifestsInNamespace(namespace);
  try {
    const kafkaImage = (await loadInfraImages()).find((image) => image.includes('kafka')) ?? '';
    const map = await loadImageMap(IMAGE_MAP);
    const wanted = (object: KubernetesObject): boolean =>
      object.kind === 'Namespace' || /^(zookeeper|kafka)/.test(object.metadata?.name ?? '');
    const objects = applyImageMap(
      withPlacement((await loadObjects(root, [INFRA_MANIFESTS], namespace)).filter(wanted), {
        nodeSelector: { [pinned.label[0]]: pinned.label[1] },
        tolerations: [{ key: pinned.label[0], operator: 'Equal', value: pinned.label[1], effect: 'NoExecute' }],
      }),
      map,
    ).objects;
    assert.ok(objects.some((object) => object.kind === 'NetworkPolicy' && object.metadata?.name === 'kafka-ingress'));
    await applyObjects(kube, objects);
    await waitForRollouts(kube, workloadsOf(objects), { deadlineMs: 8 * 60_000, log: new Log(() => undefined) });

    // The console tools exit 0 when nothing was delivered or read (their warnings name the topic):
    // the script fails unless the consumer printed the run's own marker, read through its group.
    const marker = `delivered-${namespace}`;
    const script = [
      'set -e',
      `echo ${marker} | kafka-console-producer --bootstrap-server kafka-svc:9092 --topic policy-check --producer-property acks=all --producer-property delivery.timeout.ms=60000 --producer-property request.timeout.ms=30000`,
      'read=$(kafka-console-consumer --bootstrap-server kafka-svc:9092 --topic policy-check --group policy-check --from-beginning --max-messages 1 --timeout-ms 90000 2>/dev/null || true)',
      `[[ $read == ${marker} ]] || { echo "consumer read: '$read'" >&2; exit 3; }`,
      `echo "read ${marker} through group policy-check"`,
    ].join('\n');
    await kube.core.createNamespacedPod({
      namespace,
      body: {
        // A pod of a service the policy admits (notification-service consumes events).
        metadata: { name: 'kafka-client', labels: { app: 'notification-service' } },
        spec: pinned.pin({
          restartPolicy: 'Never',
          containers: [{ name: 'client', image: kafkaImage, imagePullPolicy: 'IfNotPresent', command: ['bash', '-c', script] }],
        }),
      },
    });
    const pod = await waitForPod('kafka-client', namespace, 5 * 60_000);
    const logs = await kube.core.readNamespacedPodLog({ name: 'kafka-client', namespace }).catch(() => '');
    assert.is(pod.status?.phase, 'Succeeded', `client ${pod.status?.phase}: ${String(logs).slice(-2000)}`);
    assert.ok(String(logs).split('\n').includes(`read ${marker} through group policy-check`), String(logs).slice(-2000));
  } finally {
    await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    removeTree(root);
  }
});

test.run();
