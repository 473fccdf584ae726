import { field, stringMap } from '../resource.ts';
import { selectedPods, type Rule, type RuleViolation } from './model.ts';

export const serviceSelectorRule: Rule = {
  id: 'SVC001',
  title: 'a Service selector matches the pod template of some workload in its namespace',
  check(model) {
    const violations: RuleViolation[] = [];
    for (const service of model.ofKind('Service', '')) {
      const selector = stringMap(field(service.object, 'spec', 'selector'));
      if (Object.keys(selector).length === 0 || selectedPods(model, service).length > 0) continue;
      const wanted = Object.entries(selector).map(([key, value]) => `${key}=${value}`).join(',');
      violations.push({
        resource: service, ruleId: this.id, severity: 'error', path: ['spec', 'selector'],
        message: `selector ${wanted} matches no pod template in namespace ${model.namespaceOf(service)}`,
        hint: 'make spec.selector a subset of the pod template labels of the workload this Service fronts',
      });
    }
    return violations;
  },
};
