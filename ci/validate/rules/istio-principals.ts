import { asArray, field } from '../resource.ts';
import type { Rule, RuleViolation } from './model.ts';

/** Service accounts of Istio's own workloads, which the manifests do not define. */
export const KNOWN_EXTERNAL_PRINCIPALS: readonly string[] = [
  'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account',
  'cluster.local/ns/istio-system/sa/istio-egressgateway-service-account',
];
const PRINCIPAL = /^[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/;

export const authorizationPrincipalRule: Rule = {
  id: 'IST005',
  title: 'AuthorizationPolicy principals name ServiceAccounts of the set (or Istio\'s gateways)',
  check(model) {
    const violations: RuleViolation[] = [];
    const accounts = new Set(model.ofKind('ServiceAccount', '').map((sa) => `${model.namespaceOf(sa)}/${sa.name}`));
    for (const policy of model.ofKind('AuthorizationPolicy', 'security.istio.io')) {
      asArray(field(policy.object, 'spec', 'rules')).forEach((rule, ruleIndex) => {
        asArray(field(rule, 'from')).forEach((from, fromIndex) => {
          for (const key of ['principals', 'notPrincipals'] as const) {
            asArray(field(from, 'source', key)).forEach((principal, index) => {
              if (typeof principal !== 'string' || principal.includes('*') || KNOWN_EXTERNAL_PRINCIPALS.includes(principal)) return;
              const match = PRINCIPAL.exec(principal);
              if (match && accounts.has(`${match[1]}/${match[2]}`)) return;
              violations.push({
                resource: policy, ruleId: this.id, severity: 'error',
                path: ['spec', 'rules', ruleIndex, 'from', fromIndex, 'source', key, index],
                message: match
                  ? `principal "${principal}" names ServiceAccount ${match[2]} in namespace ${match[1]}, which the set does not define`
                  : `principal "${principal}" is not of the form cluster.local/ns/<namespace>/sa/<serviceaccount>`,
                hint: 'name the ServiceAccount the calling workload runs as (serviceAccountName), e.g. cluster.local/ns/lirmm-services/sa/order-service',
              });
            });
          }
        });
      });
    }
    return violations;
  },
};
