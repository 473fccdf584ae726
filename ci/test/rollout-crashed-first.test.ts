// The rollout wait when the trouble is there before it starts: a pod whose crashed status was
// written before the wait began, so the informers' first list already finds it (a rejection then,
// before the wait is awaited, once killed the process). Real kube-apiserver and controllers; the
// pod runs on a kwok node, and its status is written through the API the way a kubelet writes a
// crash loop (kwok leaves a pod alone once it has an address).
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { eventually } from '../../packages/service-kit/src/testing/eventually.ts';
import { applyObjects } from '../lib/apply.ts';
import type { Kube } from '../lib/kube.ts';
import { Log, memorySink } from '../lib/log.ts';
import { RolloutError, waitForRollouts, type WorkloadRef } from '../lib/rollout.ts';
import { DEFAULT_BACKOFF } from '../lib/workloads.ts';
import { testKube, uniqueName } from './fixtures.ts';

const crashedFirst = suite('rollout wait: a crash written before the wait starts (real API server and controllers, kwok node)');
const target = testKube();
const it = target ? crashedFirst : crashedFirst.skip;
const namespace = uniqueName('rollout-crashed-first');
let kube: Kube;

crashedFirst.before(async () => {
  if (!target) return;
  kube = target.kube;
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
});

crashedFirst.after(async () => {
  if (!target) return;
  await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

const deployment = (name: string): V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { nodeSelector: { type: 'kwok' }, containers: [{ name: 'app', image: `shopmesh/${name}:0123456789ab` }] },
    },
  },
});

/** What a kubelet writes for a container that keeps exiting: not ready, waiting in CrashLoopBackOff. */
function crashed(pod: V1Pod, restarts: number): V1Pod {
  const now = new Date();
  const unready = (type: string) => ({ type, status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]', lastTransitionTime: now });
  return {
    ...pod,
    status: {
      ...pod.status,
      phase: 'Running',
      conditions: [
        ...(pod.status?.conditions ?? []).filter((c) => c.type !== 'Ready' && c.type !== 'ContainersReady'),
        unready('Ready'),
        unready('ContainersReady'),
      ],
      containerStatuses: [
        {
          name: 'app',
          image: pod.spec!.containers[0]!.image!,
          imageID: '',
          ready: false,
          started: false,
          restartCount: restarts,
          state: { waiting: { reason: 'CrashLoopBackOff', message: `back-off 40s restarting failed container=app pod=${pod.metadata!.name}` } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now } },
        },
      ],
    },
  };
}

async function writeCrash(name: string, restarts: number): Promise<void> {
  const [pod] = (await kube.core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items;
  assert.ok(pod, `a pod of ${name}`);
  await kube.core.replaceNamespacedPodStatus({ name: pod.metadata!.name!, namespace, body: crashed(pod, restarts) });
}

it('a pod crash-looping before the wait starts: the wait stops at once naming it, with no unhandled rejection, also while its status keeps changing', async () => {
  const name = 'crashed';
  const ref: WorkloadRef = { kind: 'Deployment', namespace, name };
  await applyObjects(kube, [deployment(name)]);
  // kwok starts the pod: the Deployment rolls out. Then its container "crashes" for good.
  await waitForRollouts(kube, [ref], { deadlineMs: 60_000, log: new Log(() => undefined) });
  await writeCrash(name, DEFAULT_BACKOFF.restarts);
  await eventually(async () => {
    const current = await kube.apps.readNamespacedDeployment({ name, namespace });
    assert.is(current.status?.availableReplicas ?? 0, 0, 'the controllers saw the crash: the Deployment is not available');
  });

  const unhandled: unknown[] = [];
  const record = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', record);
  // The kubelet goes on writing (one more restart after another) while the informers start: each
  // write is a change event that may come before the wait is awaited.
  let churning = true;
  const churn = (async () => {
    for (let restarts = DEFAULT_BACKOFF.restarts + 1; churning; restarts++) await writeCrash(name, restarts).catch(() => undefined);
  })();
  const progress = memorySink();
  const started = Date.now();
  let error: unknown;
  try {
    await waitForRollouts(kube, [ref], { deadlineMs: 60_000, log: new Log(progress.sink), backoff: DEFAULT_BACKOFF });
  } catch (caught) {
    error = caught;
  } finally {
    churning = false;
    await churn;
    // Let a rejection nobody awaited surface as an unhandledRejection event.
    await new Promise((resolve) => setTimeout(resolve, 0));
    process.off('unhandledRejection', record);
  }
  const stoppedMs = Date.now() - started;
  assert.instance(error, RolloutError, `the wait failed (progress: ${progress.lines.join(' | ')})`);
  const rollout = error as RolloutError;
  assert.match(rollout.message, 'stopped waiting early');
  assert.is(rollout.problems.length, 1, rollout.message);
  assert.match(rollout.problems[0]!.pod, new RegExp(`^${name}-`));
  assert.is(rollout.problems[0]!.reason, 'CrashLoopBackOff');
  assert.ok(rollout.problems[0]!.restarts >= DEFAULT_BACKOFF.restarts);
  // Judged on what the first list found: long before the back-off grace period could end it.
  assert.ok(stoppedMs < DEFAULT_BACKOFF.graceMs / 4, `stopped after ${stoppedMs} ms`);
  assert.equal(unhandled, [], 'no rejection went unhandled');
});

crashedFirst.run();
