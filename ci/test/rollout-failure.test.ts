// Waiting for rollouts that cannot succeed, against the test environment's real API server and
// controllers. No kubelet runs here: a pod that must look crashed is bound to a node without one
// and its status is written through the status subresource exactly as a kubelet would write it;
// the wait and the diagnostics only ever read what the API server holds.
import type { V1Deployment, V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { applyObjects } from '../lib/apply.ts';
import type { Kube } from '../lib/kube.ts';
import { Log, memorySink } from '../lib/log.ts';
import { RolloutError, waitForRollouts } from '../lib/rollout.ts';
import { runDiagnose } from '../steps/diagnose.ts';
import { testKube, uniqueName } from './fixtures.ts';

const failures = suite('rollout failures (real API server and controllers; kubelet status written by the test)');
const target = testKube();
const namespace = uniqueName('shopmesh-rollout');
let kube: Kube;

/** Bound to this node name, a pod is never played by kwok (no such node): it stays as the test writes it. */
const NO_KUBELET_NODE = 'node-without-kubelet';

function deployment(name: string, podSpec: Partial<NonNullable<V1Deployment['spec']>['template']['spec']> = {}, image = 'shopmesh/demo:1'): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image }], initContainers: [{ name: 'apply-schema', image }], ...podSpec },
      },
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the wait to fail, it succeeded');
}

async function podsOf(app: string): Promise<V1Pod[]> {
  return (await kube.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items;
}

/** Resolves with the first pod of `app` once the ReplicaSet controller has made it. */
async function firstPod(app: string, exclude: readonly string[] = []): Promise<V1Pod> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const pod = (await podsOf(app)).find((candidate) => !exclude.includes(candidate.metadata?.name ?? ''));
    if (pod) return pod;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no pod for ${app}`);
}

/** What a kubelet writes for a pod whose container keeps crashing, or whose init container failed. */
function crashedStatus(pod: V1Pod, kind: 'crash-loop' | 'init-failed'): V1PodStatus {
  const now = new Date();
  const image = pod.spec?.containers[0]?.image ?? '';
  const failedInit = { exitCode: 1, reason: 'Error', message: 'migration 0003 failed: relation "users" does not exist', startedAt: now, finishedAt: now };
  return {
    phase: 'Pending',
    hostIP: '10.240.0.99',
    podIP: '10.244.9.9',
    startTime: now,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
      { type: 'Initialized', status: kind === 'init-failed' ? 'False' : 'True', lastTransitionTime: now },
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', lastTransitionTime: now },
    ],
    initContainerStatuses: [
      {
        name: 'apply-schema',
        image,
        imageID: '',
        ready: kind !== 'init-failed',
        restartCount: 0,
        state: { terminated: kind === 'init-failed' ? failedInit : { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
      },
    ],
    containerStatuses: [
      {
        name: 'app',
        image,
        imageID: '',
        ready: false,
        restartCount: kind === 'crash-loop' ? 4 : 0,
        started: false,
        state:
          kind === 'crash-loop'
            ? { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 1m20s restarting failed container=app' } }
            : { waiting: { reason: 'PodInitializing' } },
        ...(kind === 'crash-loop'
          ? { lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'configuration: DATABASE_URL is not set', startedAt: now, finishedAt: now } } }
          : {}),
      },
    ],
  };
}

async function writeKubeletStatus(pod: V1Pod, kind: 'crash-loop' | 'init-failed'): Promise<void> {
  const current = await kube.core.readNamespacedPod({ name: pod.metadata?.name ?? '', namespace });
  current.status = crashedStatus(current, kind);
  await kube.core.replaceNamespacedPodStatus({ name: current.metadata?.name ?? '', namespace, body: current });
}

failures.before(async () => {
  if (!target) return;
  kube = target.kube;
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
});

failures.after(async () => {
  if (!target) return;
  await kube.core.deleteNamespace({ name: namespace }).catch(() => undefined);
});

for (const [kind, reason, message] of [
  ['crash-loop', 'CrashLoopBackOff', 'DATABASE_URL is not set'],
  ['init-failed', 'init container failed (exit 1, Error)', 'relation "users" does not exist'],
] as const) {
  failures(`a pod in ${reason} stops the wait long before its deadline; the error and diagnose name the pod and the reason`, async () => {
    if (!target) return;
    const name = `demo-${kind}`;
    await applyObjects(kube, [deployment(name, { nodeName: NO_KUBELET_NODE })]);
    const started = Date.now();
    const { sink, lines } = memorySink();
    // Its failure is awaited below; taken now so that an early rejection is never left unhandled.
    const outcome = rejection(waitForRollouts(kube, [{ kind: 'Deployment', namespace, name }], { deadlineMs: 60_000, log: new Log(sink) }));
    const pod = await firstPod(name);
    await writeKubeletStatus(pod, kind);
    const error = await outcome;
    assert.instance(error, RolloutError);
    const rollout = error as RolloutError;
    assert.ok(Date.now() - started < 20_000, `stopped after ${Date.now() - started} ms, deadline 60 s`);
    assert.match(rollout.message, pod.metadata?.name ?? '?');
    assert.match(rollout.message, reason);
    assert.equal(
      rollout.problems.map((problem) => [problem.pod, problem.container]),
      [[pod.metadata?.name, kind === 'crash-loop' ? 'app' : 'apply-schema']],
    );
    assert.ok(lines.length > 0, 'progress was reported while waiting');

    const report = memorySink();
    const diagnosis = await runDiagnose(kube, namespace, new Log(report.sink));
    const text = report.lines.join('\n');
    assert.ok(diagnosis.unhealthyPods.includes(pod.metadata?.name ?? ''), text);
    assert.match(text, `--- pod ${pod.metadata?.name}`);
    assert.match(text, kind === 'crash-loop' ? 'CrashLoopBackOff' : 'Init:Error');
    assert.match(text, message);
    assert.match(text, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    assert.match(text, 'last 30 log lines');
  });
}

(target ? failures : failures.skip)('a Deployment no node fits fails at its deadline, naming Unschedulable; diagnose shows the pod and the scheduler event', async () => {
  const name = 'demo-unschedulable';
  await applyObjects(kube, [deployment(name, { nodeSelector: { 'shopmesh.test/no-such-node': 'true' } })]);
  const started = Date.now();
  const error = await rejection(
    waitForRollouts(kube, [{ kind: 'Deployment', namespace, name }], { deadlineMs: 4000, log: new Log(() => undefined) }),
  );
  assert.instance(error, RolloutError);
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 3900 && elapsed < 10_000, `failed after ${elapsed} ms`);
  assert.match(error.message, 'not rolled out after 4.0s');
  assert.match(error.message, 'Unschedulable');
  const report = memorySink();
  await runDiagnose(kube, namespace, new Log(report.sink));
  const text = report.lines.join('\n');
  const pod = (await podsOf(name))[0];
  assert.match(text, `--- pod ${pod?.metadata?.name}: Pending`);
  assert.match(text, 'FailedScheduling');
  assert.match(text, `${name}: 0 of 1 updated replicas are available`);
});

(target ? failures : failures.skip)('an old revision still crashing does not stop the wait while the new revision rolls out (kwok runs the new pod)', async () => {
  const name = 'demo-fixed';
  await applyObjects(kube, [deployment(name, { nodeName: NO_KUBELET_NODE }, 'shopmesh/demo:broken')]);
  const broken = await firstPod(name);
  await writeKubeletStatus(broken, 'crash-loop');
  await applyObjects(kube, [deployment(name, {}, 'shopmesh/demo:fixed')]);
  await waitForRollouts(kube, [{ kind: 'Deployment', namespace, name }], { deadlineMs: 60_000, log: new Log(() => undefined) });
  const current = await kube.apps.readNamespacedDeployment({ name, namespace });
  assert.is(current.spec?.template.spec?.containers[0]?.image, 'shopmesh/demo:fixed');
  assert.ok((current.status?.availableReplicas ?? 0) >= 1);
});

failures.run();
