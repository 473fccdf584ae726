import { asRecord, field } from '../resource.ts';
import type { Rule, RuleViolation } from './model.ts';

export const nonRootRule: Rule = {
  id: 'SEC001',
  title: 'every container runs as non-root (runAsNonRoot: true or a runAsUser other than 0, pod or container level)',
  check(model) {
    const violations: RuleViolation[] = [];
    for (const pod of model.podTemplates) {
      const podContext = asRecord(pod.spec.securityContext);
      for (const container of pod.containers) {
        const context = asRecord(container.value.securityContext);
        const user = context.runAsUser ?? podContext.runAsUser;
        const nonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot;
        if (user === 0) {
          const atContainer = context.runAsUser !== undefined;
          violations.push({
            resource: pod.resource, ruleId: this.id, severity: 'error',
            path: atContainer ? [...container.path, 'securityContext', 'runAsUser'] : [...pod.path, 'spec', 'securityContext', 'runAsUser'],
            message: `container "${container.name}" runs as root (runAsUser: 0)`,
            hint: 'run as an unprivileged user: runAsUser: 1000 (the image\'s node user) and runAsNonRoot: true',
          });
        } else if (nonRoot !== true && typeof user !== 'number') {
          const where = field(container.value, 'securityContext') !== undefined ? 'securityContext' : 'name';
          violations.push({
            resource: pod.resource, ruleId: this.id, severity: 'error', path: [...container.path, where],
            message: nonRoot === false
              ? `container "${container.name}" allows root (runAsNonRoot: false)`
              : `container "${container.name}" may run as root: neither runAsNonRoot: true nor a runAsUser is set`,
            hint: 'set securityContext.runAsNonRoot: true (pod or container) and a non-zero runAsUser',
          });
        }
      }
    }
    return violations;
  },
};
