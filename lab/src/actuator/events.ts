// Kubernetes Events (core/v1) about the VirtualService: every weight change, rollback and
// fail-static says what happened and why, where `kubectl describe` and `kubectl get events` show it.
import { hostname } from 'node:os';
import type { CoreV1Api, CoreV1Event } from '@kubernetes/client-node';

export const CONTROLLER_COMPONENT = 'shopmesh-lab-controller';

export interface EventSubject {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

export interface ControllerEvent {
  readonly type: 'Normal' | 'Warning';
  /** UpperCamelCase, e.g. WeightsChanged, Rollback, FailStatic. */
  readonly reason: string;
  readonly message: string;
}

export function buildEvent(subject: EventSubject, event: ControllerEvent, now: Date): CoreV1Event {
  const suffix = `${now.getTime().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
  return {
    metadata: { name: `${subject.name}.${suffix}`, namespace: subject.namespace, labels: { 'app.kubernetes.io/part-of': 'shopmesh' } },
    involvedObject: {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      name: subject.name,
      namespace: subject.namespace,
      ...(subject.uid ? { uid: subject.uid } : {}),
      ...(subject.resourceVersion ? { resourceVersion: subject.resourceVersion } : {}),
    },
    type: event.type,
    reason: event.reason,
    // The API caps messages at 1 KiB.
    message: event.message.slice(0, 1024),
    source: { component: CONTROLLER_COMPONENT },
    reportingComponent: CONTROLLER_COMPONENT,
    reportingInstance: hostname(),
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}

export class EventRecorder {
  constructor(private readonly core: CoreV1Api) {}

  async record(subject: EventSubject, event: ControllerEvent): Promise<void> {
    await this.core.createNamespacedEvent({ namespace: subject.namespace, body: buildEvent(subject, event, new Date()) });
  }
}
