import { field } from '../resource.ts';
import type { Rule, RuleViolation } from './model.ts';

const REQUIRED = [['requests', 'cpu'], ['requests', 'memory'], ['limits', 'cpu'], ['limits', 'memory']] as const;

export const resourcesRule: Rule = {
  id: 'RES001',
  title: 'every container and init container sets cpu and memory requests and limits',
  check(model) {
    const violations: RuleViolation[] = [];
    for (const pod of model.podTemplates) {
      for (const container of pod.containers) {
        const missing = REQUIRED.filter(([kind, resource]) => field(container.value, 'resources', kind, resource) === undefined)
          .map(([kind, resource]) => `${kind}.${resource}`);
        if (missing.length === 0) continue;
        const hasResources = container.value.resources !== undefined;
        violations.push({
          resource: pod.resource, ruleId: this.id, severity: 'error',
          path: [...container.path, hasResources ? 'resources' : 'name'],
          message: `${container.init ? 'init container' : 'container'} "${container.name}" sets no resources.${missing.join(', resources.')}`,
          hint: 'set resources.requests and resources.limits, both with cpu and memory',
        });
      }
    }
    return violations;
  },
};
