import { field, stringMap } from '../resource.ts';
import { isProjectPod, type Rule, type RuleViolation } from './model.ts';

export const INJECTION_LABEL = 'istio-injection';
const REVISION_LABEL = 'istio.io/rev';

export const namespaceInjectionRule: Rule = {
  id: 'MSH001',
  title: 'namespaces running project pods are labelled istio-injection=enabled',
  check(model) {
    const violations: RuleViolation[] = [];
    const namespaces = new Map(model.ofKind('Namespace', '').map((ns) => [ns.name, ns]));
    const reported = new Set<string>();
    for (const pod of model.podTemplates.filter(isProjectPod)) {
      if (reported.has(pod.namespace)) continue;
      reported.add(pod.namespace);
      const namespace = namespaces.get(pod.namespace);
      if (!namespace) {
        violations.push({
          resource: pod.resource, ruleId: this.id, severity: 'warning',
          path: pod.resource.namespace !== undefined ? ['metadata', 'namespace'] : ['metadata'],
          message: `namespace ${pod.namespace} is not defined in the manifests, so nothing here enables sidecar injection in it`,
          hint: `add a Namespace ${pod.namespace} labelled ${INJECTION_LABEL}: enabled`,
        });
        continue;
      }
      const labels = stringMap(field(namespace.object, 'metadata', 'labels'));
      if (labels[INJECTION_LABEL] === 'enabled' || (labels[REVISION_LABEL] !== undefined && labels[INJECTION_LABEL] === undefined)) continue;
      violations.push({
        resource: namespace, ruleId: this.id, severity: 'error',
        path: field(namespace.object, 'metadata', 'labels') !== undefined ? ['metadata', 'labels'] : ['metadata'],
        message: labels[INJECTION_LABEL] !== undefined
          ? `namespace ${namespace.name} has ${INJECTION_LABEL}=${labels[INJECTION_LABEL]}: its pods get no sidecar`
          : `namespace ${namespace.name} runs project pods but has no ${INJECTION_LABEL}=enabled label: they get no sidecar`,
        hint: `label it ${INJECTION_LABEL}: enabled`,
      });
    }
    return violations;
  },
};
