import type { Rule, RuleViolation } from './model.ts';
import { formatLabels, gatewayServers, gatewayWorkload, ISTIO_NETWORKING } from './istio-mesh.ts';

export const gatewayPortRule: Rule = {
  id: 'IST007',
  title: "Gateway server ports are ports of the gateway workload's Service (istioctl IST0162)",
  check(model) {
    const violations: RuleViolation[] = [];
    for (const gateway of model.ofKind('Gateway', ISTIO_NETWORKING)) {
      const workload = gatewayWorkload(model, gateway);
      if (workload.servicePorts === undefined) continue; // no Service known for the gateway pods
      for (const server of gatewayServers(gateway)) {
        if (server.port === undefined || workload.servicePorts.includes(server.port)) continue;
        violations.push({
          resource: gateway, ruleId: this.id, istioCode: 'IST0162', severity: 'warning', path: [...server.path, 'port', 'number'],
          message: `port ${server.port} is not a port of the Service in front of the gateway pods (${formatLabels(workload.selector)}; ports ${[...new Set(workload.servicePorts)].join(', ')}): nothing reaches it`,
          hint: `listen on a port the gateway Service exposes, or add port ${server.port} to that Service`,
        });
      }
    }
    return violations;
  },
};
