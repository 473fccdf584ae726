import { asArray, field } from '../resource.ts';
import type { Rule, RuleViolation } from './model.ts';
import { hostCovers, ISTIO_SECURITY, ROOT_NAMESPACE } from './istio-mesh.ts';

/** Namespaces every cluster has. */
const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', ROOT_NAMESPACE];

export const policyNamespaceRule: Rule = {
  id: 'IST014',
  title: 'AuthorizationPolicy source namespaces (namespaces, notNamespaces) exist in the set',
  check(model) {
    const violations: RuleViolation[] = [];
    const known = new Set(SYSTEM_NAMESPACES);
    for (const resource of model.resources) {
      if (resource.kind === 'Namespace' && resource.apiVersion === 'v1') known.add(resource.name);
      known.add(model.namespaceOf(resource));
    }
    for (const policy of model.ofKind('AuthorizationPolicy', ISTIO_SECURITY)) {
      asArray(field(policy.object, 'spec', 'rules')).forEach((rule, ruleIndex) => {
        asArray(field(rule, 'from')).forEach((from, fromIndex) => {
          for (const key of ['namespaces', 'notNamespaces'] as const) {
            asArray(field(from, 'source', key)).forEach((namespace, index) => {
              if (typeof namespace !== 'string') return;
              // Istio matches prefix*, *suffix and * here.
              const pattern = namespace.endsWith('*') && namespace !== '*' ? undefined : namespace;
              const exists = pattern === undefined
                ? [...known].some((name) => name.startsWith(namespace.slice(0, -1)))
                : [...known].some((name) => hostCovers(pattern, name));
              if (exists) return;
              violations.push({
                resource: policy, ruleId: this.id, severity: 'error',
                path: ['spec', 'rules', ruleIndex, 'from', fromIndex, 'source', key, index],
                message: `namespace "${namespace}" is not a namespace of the set: this ${key === 'namespaces' ? 'source never matches' : 'exclusion excludes nothing'}`,
                hint: `use an existing namespace (${[...known].sort().join(', ')}), or add a Namespace ${namespace}`,
              });
            });
          }
        });
      });
    }
    return violations;
  },
};
