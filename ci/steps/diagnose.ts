// diagnose: what to read when something failed, without leaving the terminal: the pods of the
// namespace as `kubectl get pods -o wide` shows them, the Deployments that are not available, and
// for every unhealthy pod its conditions, init container and container states, termination
// messages, events and last log lines (of the previous container too when it restarted).
// It only reads: the cluster stays as it is, to be inspected further.
import type { CoreV1Event, V1ContainerStatus, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { apiErrorMessage, type Kube } from '../lib/kube.ts';
import { formatTable, type Log } from '../lib/log.ts';
import { deploymentStatus, isPodReady } from '../lib/workloads.ts';

export const LOG_LINES = 30;

function age(from: Date | string | undefined, now = Date.now()): string {
  if (!from) return '?';
  const seconds = Math.max(0, Math.round((now - new Date(from).getTime()) / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours}h` : `${Math.round(hours / 24)}d`;
}

/** The STATUS column of `kubectl get pods`. */
export function podStatusText(pod: V1Pod): string {
  if (pod.metadata?.deletionTimestamp) return 'Terminating';
  const initStatuses = pod.status?.initContainerStatuses ?? [];
  const initTotal = pod.spec?.initContainers?.length ?? 0;
  for (const [index, status] of initStatuses.entries()) {
    const terminated = status.state?.terminated;
    if (terminated && terminated.exitCode === 0) continue;
    if (terminated) return `Init:${terminated.reason ?? `ExitCode:${terminated.exitCode}`}`;
    if (status.state?.waiting?.reason && status.state.waiting.reason !== 'PodInitializing') {
      return `Init:${status.state.waiting.reason}`;
    }
    return `Init:${index}/${initTotal}`;
  }
  let text = pod.status?.reason ?? pod.status?.phase ?? 'Unknown';
  for (const status of pod.status?.containerStatuses ?? []) {
    if (status.state?.waiting?.reason) text = status.state.waiting.reason;
    else if (status.state?.terminated) text = status.state.terminated.reason ?? `ExitCode:${status.state.terminated.exitCode}`;
  }
  return text;
}

export function isHealthy(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || (pod.status?.phase === 'Running' && isPodReady(pod));
}

function podRow(pod: V1Pod): string[] {
  const statuses = pod.status?.containerStatuses ?? [];
  const ready = statuses.filter((status) => status.ready).length;
  // Init containers' restarts count too (a failing migration restarts before the app ever runs).
  const restarts = [...(pod.status?.initContainerStatuses ?? []), ...statuses].reduce((sum, status) => sum + status.restartCount, 0);
  return [
    pod.metadata?.name ?? '?',
    `${ready}/${pod.spec?.containers.length ?? statuses.length}`,
    podStatusText(pod),
    String(restarts),
    age(pod.metadata?.creationTimestamp),
    pod.status?.podIP ?? '<none>',
    pod.spec?.nodeName ?? '<none>',
  ];
}

function describeState(status: V1ContainerStatus): string[] {
  const lines: string[] = [];
  const { waiting, running, terminated } = status.state ?? {};
  if (waiting) lines.push(`waiting: ${waiting.reason ?? '?'}${waiting.message ? `: ${waiting.message}` : ''}`);
  if (running) lines.push(`running since ${String(running.startedAt ?? '?')}`);
  if (terminated) {
    lines.push(`terminated: exit ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}`);
    if (terminated.message) lines.push(`termination message: ${terminated.message.trim()}`);
  }
  const last = status.lastState?.terminated;
  if (last) {
    lines.push(`last terminated: exit ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}`);
    if (last.message) lines.push(`last termination message: ${last.message.trim()}`);
  }
  lines.push(`restarts: ${status.restartCount}, ready: ${status.ready}, image: ${status.image}`);
  return lines;
}

function eventTime(event: CoreV1Event): number {
  const when = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp;
  return when ? new Date(when).getTime() : 0;
}

async function eventsOf(kube: Kube, namespace: string, fieldSelector: string): Promise<CoreV1Event[]> {
  const list = await kube.core.listNamespacedEvent({ namespace, fieldSelector });
  return list.items.sort((a, b) => eventTime(a) - eventTime(b));
}

function eventLine(event: CoreV1Event): string {
  const count = (event.count ?? 1) > 1 ? ` (x${event.count})` : '';
  return `${event.type ?? ''} ${event.reason ?? ''}${count}: ${(event.message ?? '').trim()}`;
}

async function logTail(kube: Kube, pod: string, namespace: string, container: string, previous: boolean): Promise<string[]> {
  try {
    const text = await kube.core.readNamespacedPodLog({ name: pod, namespace, container, tailLines: LOG_LINES, previous });
    const lines = String(text).split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.length > 0 ? lines : ['(no output)'];
  } catch (error) {
    return [`(logs unavailable: ${apiErrorMessage(error)})`];
  }
}

async function describePod(kube: Kube, log: Log, pod: V1Pod, namespace: string): Promise<void> {
  const name = pod.metadata?.name ?? '?';
  log.line('');
  log.line(`--- pod ${name}: ${podStatusText(pod)} (phase ${pod.status?.phase ?? '?'}, node ${pod.spec?.nodeName ?? 'none'})`);
  for (const condition of pod.status?.conditions ?? []) {
    if (condition.status !== 'True') {
      log.line(`  condition ${condition.type}=${condition.status}${condition.reason ? ` ${condition.reason}` : ''}${condition.message ? `: ${condition.message}` : ''}`);
    }
  }
  const groups: [string, V1ContainerStatus[]][] = [
    ['init container', pod.status?.initContainerStatuses ?? []],
    ['container', pod.status?.containerStatuses ?? []],
  ];
  for (const [label, statuses] of groups) {
    for (const status of statuses) {
      log.line(`  ${label} ${status.name}:`);
      for (const line of describeState(status)) log.line(`    ${line}`);
      const troubled = !status.ready && !(label === 'init container' && status.state?.terminated?.exitCode === 0);
      const neverStarted = status.restartCount === 0 && !status.state?.running && !status.state?.terminated && !status.lastState?.terminated;
      if (troubled && neverStarted) {
        log.line('    never started: no log lines');
      } else if (troubled || status.restartCount > 0) {
        log.line(`    last ${LOG_LINES} log lines:`);
        for (const line of await logTail(kube, name, namespace, status.name, false)) log.line(`      | ${line}`);
        if (status.restartCount > 0) {
          log.line(`    last ${LOG_LINES} log lines of the previous container:`);
          for (const line of await logTail(kube, name, namespace, status.name, true)) log.line(`      | ${line}`);
        }
      }
    }
  }
  const events = await eventsOf(kube, namespace, `involvedObject.kind=Pod,involvedObject.name=${name}`).catch(() => []);
  log.line(events.length > 0 ? '  events:' : '  events: none');
  for (const event of events) log.line(`    ${eventLine(event)}`);
}

export interface DiagnoseResult {
  unhealthyPods: string[];
  unavailableDeployments: string[];
}

export async function runDiagnose(kube: Kube, namespace: string, log: Log): Promise<DiagnoseResult> {
  const pods = (await kube.core.listNamespacedPod({ namespace })).items.sort((a, b) =>
    (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
  log.line(`pods in ${namespace} (kubectl get pods -n ${namespace} -o wide):`);
  if (pods.length === 0) log.line('  no pods');
  else for (const line of formatTable(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE'], pods.map(podRow))) log.line(`  ${line}`);

  const deployments = (await kube.apps.listNamespacedDeployment({ namespace })).items;
  const unavailable = deployments.filter((deployment: V1Deployment) => !deploymentStatus(deployment).done);
  if (unavailable.length > 0) {
    log.line('');
    log.line('Deployments not rolled out:');
    for (const deployment of unavailable) {
      const status = deploymentStatus(deployment);
      const conditions = (deployment.status?.conditions ?? [])
        .filter((condition) => condition.status !== 'True' || condition.reason === 'ProgressDeadlineExceeded')
        .map((condition) => `${condition.type}=${condition.status} ${condition.reason ?? ''}: ${condition.message ?? ''}`);
      log.line(`  ${deployment.metadata?.name}: ${status.message}${conditions.length ? ` [${conditions.join('; ')}]` : ''}`);
    }
  }

  const unhealthy = pods.filter((pod) => !isHealthy(pod));
  for (const pod of unhealthy) await describePod(kube, log, pod, namespace);

  const warnings = (await eventsOf(kube, namespace, 'type=Warning').catch(() => [])).filter(
    (event) => event.involvedObject.kind !== 'Pod',
  );
  if (warnings.length > 0) {
    log.line('');
    log.line('other warnings in the namespace:');
    for (const event of warnings.slice(-15)) {
      log.line(`  ${event.involvedObject.kind}/${event.involvedObject.name}: ${eventLine(event)}`);
    }
  }
  return {
    unhealthyPods: unhealthy.map((pod) => pod.metadata?.name ?? ''),
    unavailableDeployments: unavailable.map((deployment) => deployment.metadata?.name ?? ''),
  };
}
