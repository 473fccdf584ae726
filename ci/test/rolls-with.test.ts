// The deploy-time coupling of one Deployment's rollout to another's pod template (Kafka to
// ZooKeeper), on the project's own infrastructure manifest.
import type { KubernetesObject, V1Deployment } from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { podTemplateHash, ROLLS_WITH_TEMPLATE, withRollsWithHashes } from '../lib/rolls-with.ts';
import { INFRA_MANIFESTS, loadObjects } from '../steps/deploy.ts';
import { REPO_ROOT } from './fixtures.ts';

const byName = (objects: KubernetesObject[], name: string): V1Deployment =>
  objects.find((o) => o.kind === 'Deployment' && o.metadata?.name === name) as V1Deployment;
const stamp = (deployment: V1Deployment): string | undefined => deployment.spec?.template.metadata?.annotations?.[ROLLS_WITH_TEMPLATE];

test("Kafka's pod template carries the hash of ZooKeeper's, and only Kafka's", async () => {
  const objects = withRollsWithHashes(await loadObjects(REPO_ROOT, [INFRA_MANIFESTS], 'lirmm-services'));
  assert.is(stamp(byName(objects, 'kafka-deployment')), podTemplateHash(byName(objects, 'zookeeper-deployment')));
  const stamped = objects.filter((o) => o.kind === 'Deployment' && stamp(o as V1Deployment)).map((o) => o.metadata?.name);
  assert.equal(stamped, ['kafka-deployment']);
});

test("a change to ZooKeeper's pod template changes Kafka's; a change elsewhere does not", async () => {
  const original = await loadObjects(REPO_ROOT, [INFRA_MANIFESTS], 'lirmm-services');
  const kafkaTemplate = (objects: KubernetesObject[]): string => JSON.stringify(byName(withRollsWithHashes(objects), 'kafka-deployment').spec?.template);
  const edited = (name: string): KubernetesObject[] =>
    original.map((o) => {
      if (o.metadata?.name !== name) return o;
      const copy = structuredClone(o) as V1Deployment;
      copy.spec!.template.spec!.containers[0]!.image += '-changed';
      return copy;
    });
  assert.is.not(kafkaTemplate(edited('zookeeper-deployment')), kafkaTemplate(original));
  assert.is(kafkaTemplate(edited('redis-deployment')), kafkaTemplate(original));
});

test('a rolls-with annotation naming a missing Deployment is an error naming both', () => {
  const orphan = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'kafka-deployment', namespace: 'ns', annotations: { 'shopmesh.io/rolls-with': 'zookeper-deployment' } },
    spec: { selector: {}, template: {} },
  } as KubernetesObject;
  assert.throws(() => withRollsWithHashes([orphan]), /kafka-deployment.*"zookeper-deployment"/);
});

test.run();
