import { asString } from '../resource.ts';
import type { Rule, RuleViolation } from './model.ts';

export const serviceAccountRule: Rule = {
  id: 'WRK002',
  title: 'serviceAccountName (or its deprecated alias serviceAccount) of a pod names a ServiceAccount of the set',
  check(model) {
    const accounts = new Set(model.ofKind('ServiceAccount', '').map((sa) => `${model.namespaceOf(sa)}/${sa.name}`));
    const violations: RuleViolation[] = [];
    for (const pod of model.podTemplates) {
      // The API server takes serviceAccount (deprecated) when serviceAccountName is not set.
      const key = pod.spec.serviceAccountName !== undefined ? 'serviceAccountName' : 'serviceAccount';
      const name = asString(pod.spec[key]);
      if (name === undefined || name === 'default' || accounts.has(`${pod.namespace}/${name}`)) continue;
      violations.push({
        resource: pod.resource, ruleId: this.id, severity: 'error', path: [...pod.path, 'spec', key],
        message: `ServiceAccount "${name}" is not defined in namespace ${pod.namespace}; the pods cannot be created`,
        hint: `add a ServiceAccount ${name} (one per service), or fix the name`,
      });
    }
    return violations;
  },
};
