// Waits for workloads to roll out by WATCHING them (list + watch informers on the workloads, their
// ReplicaSets and pods; no sleep-polling), with a deadline and an early stop once a pod of the
// current revision is stuck for good: at once for what no retry fixes (an invalid image name), and
// for the back-offs Kubernetes recovers from by itself (CrashLoopBackOff, ImagePullBackOff, a failed
// init container, a missing Secret, an unschedulable pod) only past a BackoffPolicy's threshold.
import { makeInformer, type Informer, type KubernetesObject, type ObjectCache, type V1Pod, type V1ReplicaSet } from '@kubernetes/client-node';
import { formatDuration, type Log } from './log.ts';
import { apiErrorMessage, type Kube } from './kube.ts';
import {
  DEFAULT_BACKOFF,
  isPodReady,
  imagePullHint,
  podProblem,
  podWaitReason,
  selectorMatches,
  workloadStatus,
  type BackoffPolicy,
  type PodProblem,
  type RolloutStatus,
  type WorkloadKind,
} from './workloads.ts';

export interface WorkloadRef {
  kind: WorkloadKind;
  namespace: string;
  name: string;
}

export interface PendingWorkload {
  ref: WorkloadRef;
  message: string;
  podReasons: string[];
}

export class RolloutError extends Error {
  constructor(
    message: string,
    readonly problems: PodProblem[],
    readonly pending: PendingWorkload[],
  ) {
    super(message);
  }
}

export interface WaitOptions {
  deadlineMs: number;
  log: Log;
  /** When a transient back-off ends the wait; default DEFAULT_BACKOFF. */
  backoff?: BackoffPolicy;
}

type Cache<T extends KubernetesObject> = Informer<T> & ObjectCache<T>;

const REVISION = 'deployment.kubernetes.io/revision';
const refKey = (ref: WorkloadRef): string => `${ref.kind}/${ref.namespace}/${ref.name}`;

interface WorkloadWithSelector extends KubernetesObject {
  spec?: { selector?: { matchLabels?: Record<string, string> } };
  status?: { updateRevision?: string; observedGeneration?: number };
}

/** Resolves when every workload has rolled out; rejects with a RolloutError otherwise. */
export async function waitForRollouts(kube: Kube, targets: readonly WorkloadRef[], options: WaitOptions): Promise<void> {
  if (targets.length === 0) return;
  const watcher = new RolloutWatcher(kube, targets, options);
  return watcher.run();
}

class RolloutWatcher {
  private readonly workloads = new Map<string, Cache<KubernetesObject>>();
  private readonly pods = new Map<string, Cache<V1Pod>>();
  private readonly replicaSets = new Map<string, Cache<V1ReplicaSet>>();
  private readonly lastMessage = new Map<string, string>();
  private readonly finished = new Set<string>();
  /** When each pod's container (pod/container) was first seen in trouble, and the timer that judges it again at the end of its grace. */
  private readonly troubleSince = new Map<string, { since: number; timer: NodeJS.Timeout }>();
  private readonly started = Date.now();
  private settled = false;
  private resolve: () => void = () => undefined;
  private reject: (error: Error) => void = () => undefined;

  constructor(
    private readonly kube: Kube,
    private readonly targets: readonly WorkloadRef[],
    private readonly options: WaitOptions,
  ) {}

  async run(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // An informer's first list can already find a crashing pod and reject `done` while the
    // informers are still starting, before `await done` below: mark it handled now.
    done.catch(() => undefined);
    const timer = setTimeout(() => this.fail(this.deadlineError()), this.options.deadlineMs);
    try {
      this.makeInformers();
      const all: Cache<KubernetesObject>[] = [
        ...this.workloads.values(),
        ...(this.pods.values() as Iterable<Cache<KubernetesObject>>),
        ...(this.replicaSets.values() as Iterable<Cache<KubernetesObject>>),
      ];
      for (const informer of all) {
        informer.on('change', () => this.evaluate());
        informer.on('error', (error: unknown) => this.reconnect(informer, error));
      }
      await Promise.all(all.map((informer) => informer.start()));
      this.evaluate();
      await done;
    } finally {
      clearTimeout(timer);
      for (const { timer: grace } of this.troubleSince.values()) clearTimeout(grace);
      this.settled = true;
      await Promise.all(
        [...this.workloads.values(), ...this.pods.values(), ...this.replicaSets.values()].map((informer) => informer.stop()),
      );
    }
  }

  private makeInformers(): void {
    const { apps, core, config } = this.kube;
    for (const ref of this.targets) {
      const key = `${ref.kind}/${ref.namespace}`;
      const namespace = ref.namespace;
      if (!this.workloads.has(key)) {
        const plural = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' }[ref.kind];
        const list =
          ref.kind === 'Deployment'
            ? () => apps.listNamespacedDeployment({ namespace })
            : ref.kind === 'StatefulSet'
              ? () => apps.listNamespacedStatefulSet({ namespace })
              : () => apps.listNamespacedDaemonSet({ namespace });
        this.workloads.set(key, makeInformer<KubernetesObject>(config, `/apis/apps/v1/namespaces/${namespace}/${plural}`, list));
      }
      if (!this.pods.has(namespace)) {
        this.pods.set(namespace, makeInformer(config, `/api/v1/namespaces/${namespace}/pods`, () => core.listNamespacedPod({ namespace })));
      }
      if (ref.kind === 'Deployment' && !this.replicaSets.has(namespace)) {
        this.replicaSets.set(
          namespace,
          makeInformer(config, `/apis/apps/v1/namespaces/${namespace}/replicasets`, () => apps.listNamespacedReplicaSet({ namespace })),
        );
      }
    }
  }

  private reconnect(informer: Cache<KubernetesObject>, error: unknown): void {
    if (this.settled) return;
    this.options.log.line(`watch interrupted (${apiErrorMessage(error)}); reconnecting`);
    setTimeout(() => {
      if (!this.settled) void informer.start();
    }, 1000).unref();
  }

  private evaluate(): void {
    if (this.settled) return;
    const problems: PodProblem[] = [];
    const troubled = new Set<string>();
    for (const ref of this.targets) {
      const key = refKey(ref);
      if (this.finished.has(key)) continue;
      const object = this.workloads.get(`${ref.kind}/${ref.namespace}`)?.get(ref.name, ref.namespace);
      if (!object) {
        this.report(ref, 'not found yet');
        continue;
      }
      const status: RolloutStatus = workloadStatus(ref.kind, object);
      if (status.failed) {
        this.fail(new RolloutError(`${ref.kind} ${ref.name}: ${status.failed}`, [], [this.pendingOf(ref)]));
        return;
      }
      if (status.done) {
        this.finished.add(key);
        this.options.log.line(`${ref.name}: rolled out (${formatDuration(Date.now() - this.started)})`);
        continue;
      }
      const pods = this.currentPods(ref, object as WorkloadWithSelector);
      for (const pod of pods) {
        const problem = podProblem(pod);
        if (!problem) continue;
        troubled.add(`${problem.pod}/${problem.container}`);
        if (this.isFatal(problem)) problems.push(problem);
      }
      const waiting = pods.map((pod) => (isPodReady(pod) ? undefined : podWaitReason(pod))).find(Boolean);
      this.report(ref, waiting ? `${status.message} (${waiting})` : status.message);
    }
    // Out of trouble (a container that started after all): its grace period starts afresh next time.
    for (const [key, { timer: grace }] of this.troubleSince) {
      if (troubled.has(key)) continue;
      clearTimeout(grace);
      this.troubleSince.delete(key);
    }
    if (problems.length > 0) {
      const lines = problems.map((p) => {
        const where = p.container ? `, ${p.init ? 'init container' : 'container'} ${p.container}` : '';
        const restarts = p.restarts > 0 ? `, ${p.restarts} restarts` : '';
        const hint = imagePullHint(p);
        return `pod ${p.pod}${where}: ${p.reason}${p.message ? ` (${p.message})` : ''}${restarts}${hint ? `: ${hint}` : ''}`;
      });
      this.fail(new RolloutError(`stopped waiting early: ${lines.join('; ')}`, problems, this.pendingAll()));
      return;
    }
    if (this.finished.size === this.targets.length) {
      this.settled = true;
      this.resolve();
    }
  }

  /**
   * A hopeless problem is fatal at once; a back-off once the container restarted the policy's number
   * of times or has been in trouble for its grace period (a timer evaluates again then, as no watch
   * event may come).
   */
  private isFatal(problem: PodProblem): boolean {
    if (problem.hopeless) return true;
    const policy = this.options.backoff ?? DEFAULT_BACKOFF;
    if (problem.restarts >= policy.restarts) return true;
    const key = `${problem.pod}/${problem.container}`;
    const now = Date.now();
    const trouble = this.troubleSince.get(key);
    if (trouble === undefined) {
      this.troubleSince.set(key, { since: now, timer: setTimeout(() => this.evaluate(), policy.graceMs) });
      return policy.graceMs <= 0;
    }
    return now - trouble.since >= policy.graceMs;
  }

  private report(ref: WorkloadRef, message: string): void {
    const key = refKey(ref);
    if (this.lastMessage.get(key) === message) return;
    this.lastMessage.set(key, message);
    this.options.log.line(`${ref.name}: ${message}`);
  }

  /** Pods of the workload's current revision (old pods that crash do not count: they are going away). */
  private currentPods(ref: WorkloadRef, workload: WorkloadWithSelector): V1Pod[] {
    const selector = workload.spec?.selector;
    const pods = (this.pods.get(ref.namespace)?.list(ref.namespace) ?? []).filter(
      (pod) => !pod.metadata?.deletionTimestamp && selectorMatches(selector, pod.metadata?.labels),
    );
    if (ref.kind === 'Deployment') {
      const generationSeen = (workload.status?.observedGeneration ?? 0) >= (workload.metadata?.generation ?? 0);
      const revision = workload.metadata?.annotations?.[REVISION];
      if (!generationSeen || !revision) return [];
      return pods.filter((pod) => {
        const owner = pod.metadata?.ownerReferences?.find((reference) => reference.kind === 'ReplicaSet');
        const replicaSet = owner ? this.replicaSets.get(ref.namespace)?.get(owner.name, ref.namespace) : undefined;
        return replicaSet?.metadata?.annotations?.[REVISION] === revision;
      });
    }
    if (ref.kind === 'StatefulSet' && workload.status?.updateRevision) {
      return pods.filter((pod) => pod.metadata?.labels?.['controller-revision-hash'] === workload.status?.updateRevision);
    }
    return pods;
  }

  private pendingOf(ref: WorkloadRef): PendingWorkload {
    const object = this.workloads.get(`${ref.kind}/${ref.namespace}`)?.get(ref.name, ref.namespace) as WorkloadWithSelector | undefined;
    const pods = object ? this.currentPods(ref, object) : [];
    const podReasons = pods
      .filter((pod) => !isPodReady(pod))
      .map((pod) => `${pod.metadata?.name}: ${podWaitReason(pod) ?? pod.status?.phase ?? 'not ready'}`);
    return { ref, message: this.lastMessage.get(refKey(ref)) ?? 'not observed', podReasons };
  }

  private pendingAll(): PendingWorkload[] {
    return this.targets.filter((ref) => !this.finished.has(refKey(ref))).map((ref) => this.pendingOf(ref));
  }

  private deadlineError(): RolloutError {
    const pending = this.pendingAll();
    const lines = pending.map(
      (p) => `${p.ref.kind} ${p.ref.name}: ${p.message}${p.podReasons.length ? ` [${p.podReasons.join('; ')}]` : ''}`,
    );
    return new RolloutError(
      `not rolled out after ${formatDuration(this.options.deadlineMs)}: ${lines.join('; ')}`,
      [],
      pending,
    );
  }

  private fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}
