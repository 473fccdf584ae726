import { field, stringMap } from '../resource.ts';
import { selects, type Rule, type RuleViolation } from './model.ts';

/** Labels of gateway pods that Istio's installation provides (not part of our manifests). */
export const KNOWN_GATEWAY_PODS: readonly Record<string, string>[] = [
  { app: 'istio-ingressgateway', istio: 'ingressgateway' },
  { app: 'istio-egressgateway', istio: 'egressgateway' },
];

export const gatewaySelectorRule: Rule = {
  id: 'IST004',
  title: "a Gateway's selector matches pods of the set or Istio's own ingress/egress gateway",
  check(model) {
    const violations: RuleViolation[] = [];
    for (const gateway of model.ofKind('Gateway', 'networking.istio.io')) {
      const selector = stringMap(field(gateway.object, 'spec', 'selector'));
      if (Object.keys(selector).length === 0) continue; // no selector: every gateway pod
      const known = KNOWN_GATEWAY_PODS.some((labels) => selects(selector, labels))
        || model.podTemplates.some((pod) => selects(selector, pod.labels));
      if (known) continue;
      violations.push({
        resource: gateway, ruleId: this.id, severity: 'error', path: ['spec', 'selector'],
        message: `selector ${Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',')} matches no gateway pod`,
        hint: "use Istio's ingress gateway (selector: istio: ingressgateway) or the labels of a gateway workload in the set",
      });
    }
    return violations;
  },
};
