// Rollout and pod judgements on objects shaped as the API server returns them.
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { podStatusText } from '../steps/diagnose.ts';
import { deploymentStatus, podProblem, selectorMatches } from '../lib/workloads.ts';

const deployment = (status: V1Deployment['status'], generation = 2, replicas = 2): V1Deployment => ({
  metadata: { name: 'cart-service-deployment', generation },
  spec: { replicas, selector: {}, template: {} },
  status,
});

test('a Deployment is rolled out only when the new spec is observed and every updated replica is available', () => {
  assert.is(deploymentStatus(deployment({ observedGeneration: 1 })).done, false);
  assert.match(deploymentStatus(deployment({ observedGeneration: 2, updatedReplicas: 1, replicas: 2 })).message, '1 of 2 updated');
  assert.match(deploymentStatus(deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 3 })).message, 'old replicas');
  assert.match(deploymentStatus(deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 1 })).message, '1 of 2');
  assert.is(deploymentStatus(deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, availableReplicas: 2 })).done, true);
  const stuck = deploymentStatus(
    deployment({ observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'x' }] }),
  );
  assert.ok(stuck.failed);
  const noPods = deploymentStatus(
    deployment({
      observedGeneration: 2,
      conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'serviceaccount "cart-service" not found' }],
    }),
  );
  assert.match(noPods.message, '0 of 2 updated replicas (FailedCreate: serviceaccount "cart-service" not found)');
});

const pod = (status: V1Pod['status']): V1Pod => ({ metadata: { name: 'cart-1' }, spec: { containers: [{ name: 'app' }], initContainers: [{ name: 'apply-schema' }] }, status });

test('stuck pods are recognised: CrashLoopBackOff, image pull failures, config errors, a failed init container', () => {
  const waiting = (reason: string): V1Pod =>
    pod({ containerStatuses: [{ name: 'app', image: 'i', imageID: '', ready: false, restartCount: 3, state: { waiting: { reason, message: 'back-off' } } }] });
  for (const reason of ['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError']) {
    assert.equal(podProblem(waiting(reason))?.reason, reason);
  }
  assert.is(podProblem(waiting('ContainerCreating')), undefined, 'still starting is not stuck');
  const failedInit = pod({
    initContainerStatuses: [{ name: 'apply-schema', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 1, reason: 'Error' } } }],
  });
  const problem = podProblem(failedInit);
  assert.is(problem?.container, 'apply-schema');
  assert.ok(problem?.init);
  assert.match(problem?.reason ?? '', 'exit 1');
  assert.is(podStatusText(failedInit), 'Init:Error');
});

test('hopeless waiting reasons are told from back-offs; an unschedulable pod is a problem of the pod itself', () => {
  const waiting = (reason: string): V1Pod =>
    pod({ containerStatuses: [{ name: 'app', image: 'i', imageID: '', ready: false, restartCount: 1, state: { waiting: { reason } } }] });
  assert.is(podProblem(waiting('InvalidImageName'))?.hopeless, true);
  assert.is(podProblem(waiting('ErrImageNeverPull'))?.hopeless, true);
  assert.is(podProblem(waiting('CrashLoopBackOff'))?.hopeless, false);
  assert.is(podProblem(waiting('CrashLoopBackOff'))?.restarts, 1);
  const pending = pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available' }] });
  assert.equal(podProblem(pending), {
    pod: 'cart-1',
    container: '',
    init: false,
    reason: 'Unschedulable',
    message: '0/3 nodes are available',
    restarts: 0,
    hopeless: false,
  });
});

test('label selectors: matchLabels and every matchExpressions operator', () => {
  const labels = { app: 'cart', version: 'v1' };
  assert.ok(selectorMatches({ matchLabels: { app: 'cart' } }, labels));
  assert.not.ok(selectorMatches({ matchLabels: { app: 'order' } }, labels));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'version', operator: 'In', values: ['v1', 'v2'] }] }, labels));
  assert.not.ok(selectorMatches({ matchExpressions: [{ key: 'version', operator: 'NotIn', values: ['v1'] }] }, labels));
  assert.ok(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels));
  assert.not.ok(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels));
  assert.not.ok(selectorMatches(undefined, labels));
});

test.run();
