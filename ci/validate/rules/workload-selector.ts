import { field, stringMap } from '../resource.ts';
import { selects, type Rule, type RuleViolation } from './model.ts';

export const workloadSelectorRule: Rule = {
  id: 'WRK001',
  title: "a workload's spec.selector.matchLabels matches its own pod template labels",
  check(model) {
    const violations: RuleViolation[] = [];
    for (const pod of model.podTemplates) {
      if (pod.path.length === 0) continue; // a bare Pod has no selector
      const selectorPath = pod.resource.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'selector'] : ['spec', 'selector'];
      const matchLabels = stringMap(field(pod.resource.object, ...selectorPath, 'matchLabels'));
      const selector = pod.resource.kind === 'ReplicationController' ? stringMap(field(pod.resource.object, ...selectorPath)) : matchLabels;
      if (Object.keys(selector).length === 0 || selects(selector, pod.labels)) continue;
      violations.push({
        resource: pod.resource, ruleId: this.id, severity: 'error', path: selectorPath,
        message: `selector ${Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',')} does not match the pod template's labels; the API server rejects it`,
        hint: 'use labels of spec.template.metadata.labels in the selector',
      });
    }
    return violations;
  },
};
