// Pure judgements on workload and pod objects: is a rollout finished (the rules of
// `kubectl rollout status`), and is a pod stuck in a way that waiting will not fix.
import type {
  V1ContainerStatus,
  V1DaemonSet,
  V1Deployment,
  V1LabelSelector,
  V1Pod,
  V1StatefulSet,
} from '@kubernetes/client-node';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

export interface RolloutStatus {
  done: boolean;
  /** What is awaited (or "rolled out"), for progress lines. */
  message: string;
  /** Set when the controller itself gave up (progress deadline exceeded). */
  failed?: string;
}

export function deploymentStatus(deployment: V1Deployment): RolloutStatus {
  const generation = deployment.metadata?.generation ?? 0;
  const status = deployment.status ?? {};
  if ((status.observedGeneration ?? 0) < generation) {
    return { done: false, message: 'waiting for the new spec to be observed' };
  }
  const progressing = status.conditions?.find((condition) => condition.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { done: false, message: 'progress deadline exceeded', failed: `progress deadline exceeded: ${progressing.message ?? ''}` };
  }
  // The ReplicaSet cannot create pods (quota, admission, a missing ServiceAccount): say why.
  const replicaFailure = status.conditions?.find((condition) => condition.type === 'ReplicaFailure' && condition.status === 'True');
  const why = replicaFailure ? ` (${replicaFailure.reason ?? 'ReplicaFailure'}: ${replicaFailure.message ?? ''})` : '';
  const wanted = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < wanted) return { done: false, message: `${updated} of ${wanted} updated replicas${why}` };
  if (total > updated) return { done: false, message: `${total - updated} old replicas are pending termination` };
  if (available < updated) return { done: false, message: `${available} of ${updated} updated replicas are available` };
  return { done: true, message: 'rolled out' };
}

export function statefulSetStatus(set: V1StatefulSet): RolloutStatus {
  const generation = set.metadata?.generation ?? 0;
  const status = set.status ?? { replicas: 0 };
  if ((status.observedGeneration ?? 0) < generation || status.observedGeneration === undefined) {
    return { done: false, message: 'waiting for the new spec to be observed' };
  }
  const wanted = set.spec?.replicas ?? 1;
  const ready = status.readyReplicas ?? 0;
  if (ready < wanted) return { done: false, message: `${ready} of ${wanted} pods ready` };
  if ((set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
    const updated = status.updatedReplicas ?? 0;
    if (updated < wanted) return { done: false, message: `${updated} of ${wanted} pods updated` };
    if (status.updateRevision && status.currentRevision !== status.updateRevision) {
      return { done: false, message: 'waiting for the update to finish' };
    }
  }
  return { done: true, message: 'rolled out' };
}

export function daemonSetStatus(set: V1DaemonSet): RolloutStatus {
  const status = set.status;
  if (!status || (status.observedGeneration ?? 0) < (set.metadata?.generation ?? 0)) {
    return { done: false, message: 'waiting for the new spec to be observed' };
  }
  const wanted = status.desiredNumberScheduled;
  if ((status.updatedNumberScheduled ?? 0) < wanted) {
    return { done: false, message: `${status.updatedNumberScheduled ?? 0} of ${wanted} pods updated` };
  }
  if ((status.numberAvailable ?? 0) < wanted) {
    return { done: false, message: `${status.numberAvailable ?? 0} of ${wanted} pods available` };
  }
  return { done: true, message: 'rolled out' };
}

export function workloadStatus(kind: WorkloadKind, object: unknown): RolloutStatus {
  if (kind === 'Deployment') return deploymentStatus(object as V1Deployment);
  if (kind === 'StatefulSet') return statefulSetStatus(object as V1StatefulSet);
  return daemonSetStatus(object as V1DaemonSet);
}

/** Waiting reasons no retry can fix: only a new spec can (the wait stops at once). */
export const HOPELESS_WAITING_REASONS: ReadonlySet<string> = new Set(['InvalidImageName', 'ErrImageNeverPull']);

/**
 * Waiting reasons the kubelet retries with growing back-off, and from which a pod may recover by
 * itself (Kafka started before ZooKeeper, a registry's rate limit, a Secret created a moment later):
 * fatal only once the back-off persists past a threshold (see BackoffPolicy).
 */
export const BACKOFF_WAITING_REASONS: ReadonlySet<string> = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

/** When a transient back-off becomes fatal: at this many restarts of the container, or after this long. */
export interface BackoffPolicy {
  restarts: number;
  graceMs: number;
}

/**
 * Three restarts: a container that fails twice and then starts (restart count 2) still rolls out,
 * one that keeps crashing is given up after the kubelet's 10 s + 20 s back-offs. 60 s: image pulls,
 * missing configuration and unschedulable pods, which have no restart count.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { restarts: 3, graceMs: 60_000 };

export interface PodProblem {
  pod: string;
  /** The container at fault; empty for a pod that no node takes. */
  container: string;
  init: boolean;
  reason: string;
  message: string;
  restarts: number;
  /** True when no waiting can fix it (no threshold applies). */
  hopeless: boolean;
  /** The container's image (undefined for a pod that no node takes). */
  image?: string | undefined;
}

const PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull']);

/** What to do about an image the node does not have and cannot pull; undefined for other problems. */
export function imagePullHint(problem: PodProblem): string | undefined {
  if (!PULL_REASONS.has(problem.reason) || !problem.image) return undefined;
  return (
    `the node has no image ${problem.image} and cannot pull it: build or pull it, then load it into the node ` +
    `(kind load docker-image ${problem.image}), push it to a registry the cluster pulls from, or map it to an image the node has (--image-map FILE)`
  );
}

/**
 * The first container of the pod that is in trouble: a back-off or hopeless waiting reason, a failed
 * init container, or the pod itself unschedulable. Whether the trouble is fatal yet is the caller's
 * call (a BackoffPolicy), except for hopeless ones.
 */
export function podProblem(pod: V1Pod): PodProblem | undefined {
  const name = pod.metadata?.name ?? '?';
  const imageOf = (container: string, init: boolean): string | undefined =>
    (init ? pod.spec?.initContainers : pod.spec?.containers)?.find((item) => item.name === container)?.image;
  const check = (statuses: V1ContainerStatus[] | undefined, init: boolean): PodProblem | undefined => {
    for (const status of statuses ?? []) {
      const image = imageOf(status.name, init);
      const restarts = status.restartCount;
      const waiting = status.state?.waiting;
      if (waiting?.reason && (HOPELESS_WAITING_REASONS.has(waiting.reason) || BACKOFF_WAITING_REASONS.has(waiting.reason))) {
        const hopeless = HOPELESS_WAITING_REASONS.has(waiting.reason);
        return { pod: name, container: status.name, init, reason: waiting.reason, message: waiting.message ?? '', restarts, hopeless, image };
      }
      const terminated = status.state?.terminated ?? (waiting ? status.lastState?.terminated : undefined);
      if (init && terminated && terminated.exitCode !== 0) {
        const reason = `init container failed (exit ${terminated.exitCode}${terminated.reason ? `, ${terminated.reason}` : ''})`;
        return { pod: name, container: status.name, init, reason, message: terminated.message ?? '', restarts, hopeless: false, image };
      }
    }
    return undefined;
  };
  const scheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
  if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') {
    return { pod: name, container: '', init: false, reason: 'Unschedulable', message: scheduled.message ?? '', restarts: 0, hopeless: false };
  }
  return check(pod.status?.initContainerStatuses, true) ?? check(pod.status?.containerStatuses, false);
}

/** Why a pod is not ready yet, in a few words (Unschedulable, ContainerCreating, ...). */
export function podWaitReason(pod: V1Pod): string | undefined {
  const scheduled = pod.status?.conditions?.find((condition) => condition.type === 'PodScheduled');
  if (scheduled?.status === 'False') return `${scheduled.reason ?? 'not scheduled'}: ${scheduled.message ?? ''}`.trim();
  for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
    if (status.state?.waiting?.reason) return `${status.name}: ${status.state.waiting.reason}`;
  }
  return undefined;
}

export function isPodReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
}

/** Does a label selector select these labels (matchLabels and matchExpressions). */
export function selectorMatches(selector: V1LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const expression of selector.matchExpressions ?? []) {
    const value = labels[expression.key];
    const values = expression.values ?? [];
    switch (expression.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false;
        break;
      case 'NotIn':
        if (value !== undefined && values.includes(value)) return false;
        break;
      case 'Exists':
        if (value === undefined) return false;
        break;
      case 'DoesNotExist':
        if (value !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
