import type { Rule, RuleViolation } from './model.ts';
import { KNOWN_GATEWAY_PODS } from './istio-gateway-selector.ts';
import { formatLabels, ISTIO_NETWORKING, ISTIO_SECURITY, ISTIO_TELEMETRY, ROOT_NAMESPACE, selectedPodTemplates, workloadSelector } from './istio-mesh.ts';
import { selects } from './model.ts';
import type { Resource } from '../resource.ts';

/** Kinds whose `selector` / `workloadSelector` picks pods. */
export const SELECTING_KINDS: readonly [string, string][] = [
  ['Sidecar', ISTIO_NETWORKING], ['Telemetry', ISTIO_TELEMETRY], ['AuthorizationPolicy', ISTIO_SECURITY],
  ['PeerAuthentication', ISTIO_SECURITY], ['RequestAuthentication', ISTIO_SECURITY],
];

export const workloadSelectorPodsRule: Rule = {
  id: 'IST012',
  title: 'workload selectors of Sidecar, Telemetry, AuthorizationPolicy, PeerAuthentication, RequestAuthentication select pods (istioctl IST0127)',
  check(model) {
    const violations: RuleViolation[] = [];
    for (const [kind, group] of SELECTING_KINDS) {
      for (const resource of model.ofKind(kind, group)) {
        const selector = workloadSelector(resource);
        if (!selector || Object.keys(selector.labels).length === 0) continue;
        const namespace = model.namespaceOf(resource);
        if (selectedPodTemplates(model, selector.labels, namespace).length > 0) continue;
        if (namespace === ROOT_NAMESPACE && KNOWN_GATEWAY_PODS.some((labels) => selects(selector.labels, labels))) continue;
        violations.push({
          resource, ruleId: this.id, istioCode: 'IST0127', severity: 'warning', path: selector.path,
          message: `selector ${formatLabels(selector.labels)} matches no pod in namespace ${namespace}: this ${kind} applies to nothing`,
          hint: 'use labels of a pod template in this namespace (kubectl get pods --show-labels), or remove the selector to apply it to the namespace',
        });
      }
    }
    return violations;
  },
};

/** Sidecar and Telemetry resources may not overlap: one per workload, one without selector per namespace. */
const EXCLUSIVE_KINDS: readonly { kind: string; group: string; overlap: string; noSelector: string }[] = [
  { kind: 'Sidecar', group: ISTIO_NETWORKING, overlap: 'IST0110', noSelector: 'IST0111' },
  { kind: 'Telemetry', group: ISTIO_TELEMETRY, overlap: 'IST0159', noSelector: 'IST0160' },
];

export const workloadSelectorOverlapRule: Rule = {
  id: 'IST013',
  title: 'Sidecars (and Telemetries) do not select the same pods, nor are two of them without selector in a namespace (istioctl IST0110, IST0111, IST0159, IST0160)',
  check(model) {
    const violations: RuleViolation[] = [];
    for (const { kind, group, overlap, noSelector } of EXCLUSIVE_KINDS) {
      const withoutSelector = new Map<string, Resource>();
      const byPod = new Map<unknown, Resource>();
      for (const resource of model.ofKind(kind, group)) {
        const namespace = model.namespaceOf(resource);
        const selector = workloadSelector(resource);
        if (!selector || Object.keys(selector.labels).length === 0) {
          const first = withoutSelector.get(namespace);
          if (first) {
            violations.push({
              resource, ruleId: this.id, istioCode: noSelector, severity: 'error', path: ['spec'],
              message: `${kind} ${first.name} in namespace ${namespace} has no workload selector either: which one applies is undefined`,
              hint: `keep one ${kind} without selector per namespace; give the others a workload selector`,
            });
          } else {
            withoutSelector.set(namespace, resource);
          }
          continue;
        }
        for (const pod of selectedPodTemplates(model, selector.labels, namespace)) {
          const first = byPod.get(pod);
          if (first && first !== resource) {
            violations.push({
              resource, ruleId: this.id, istioCode: overlap, severity: 'error', path: selector.path,
              message: `selects the pods of ${pod.resource.kind}/${pod.resource.name}, which ${kind} ${first.name} selects too: which one applies is undefined`,
              hint: `make the selectors of the two ${kind}s select different pods, or merge them`,
            });
            break;
          }
          byPod.set(pod, resource);
        }
      }
    }
    return violations;
  },
};
