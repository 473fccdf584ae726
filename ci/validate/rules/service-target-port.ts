import { containerPorts, selectedPods, servicePorts, type Rule, type RuleViolation } from './model.ts';

export const serviceTargetPortRule: Rule = {
  id: 'SVC002',
  title: 'a Service targetPort (name or number) is a port of the containers it selects',
  check(model) {
    const violations: RuleViolation[] = [];
    for (const service of model.ofKind('Service', '')) {
      const pods = selectedPods(model, service);
      if (pods.length === 0) continue; // SVC001 reports it
      const containers = pods.flatMap((pod) => pod.containers.filter((container) => !container.init));
      for (const port of servicePorts(service)) {
        const target = port.targetPort;
        const found = containers.some((container) => containerPorts(container).some((declared) =>
          typeof target === 'string' ? declared.name === target : declared.containerPort === target));
        if (found) continue;
        const declared = containers.flatMap((container) => containerPorts(container)
          .map((p) => `${String(p.containerPort)}${p.name ? `/${p.name}` : ''}`));
        violations.push({
          resource: service, ruleId: this.id, severity: 'error',
          path: ['spec', 'ports', port.index, port.targetPortSet ? 'targetPort' : 'port'],
          message: `targetPort ${JSON.stringify(target)} is not a port of the selected containers (they declare ${declared.join(', ') || 'no ports'})`,
          hint: typeof target === 'string'
            ? `name a containerPort "${target}" in the workload, or set targetPort to a declared port`
            : 'set targetPort to a containerPort the workload declares (or declare this one)',
        });
      }
    }
    return violations;
  },
};
