import { servicePorts, type Rule, type RuleViolation } from './model.ts';
import { INGRESS_NODE_PORT } from './kind-ingress-port.ts';

const NODE_PORT_RANGE = [30000, 32767] as const;

export const nodePortRule: Rule = {
  id: 'KND002',
  title: `NodePorts are in range, unique, and leave ${INGRESS_NODE_PORT} to the ingress gateway`,
  check(model) {
    const violations: RuleViolation[] = [];
    const used = new Map<number, string>();
    for (const service of model.ofKind('Service', '')) {
      for (const port of servicePorts(service)) {
        if (typeof port.nodePort !== 'number') continue;
        const path = ['spec', 'ports', port.index, 'nodePort'];
        const nodePort = port.nodePort;
        let message: string | undefined;
        if (nodePort === INGRESS_NODE_PORT) message = `nodePort ${nodePort} is the ingress gateway's NodePort (the pipeline patches istio-ingressgateway to it)`;
        else if (nodePort < NODE_PORT_RANGE[0] || nodePort > NODE_PORT_RANGE[1]) message = `nodePort ${nodePort} is outside ${NODE_PORT_RANGE[0]}-${NODE_PORT_RANGE[1]}`;
        else if (used.has(nodePort)) message = `nodePort ${nodePort} is already used by Service ${used.get(nodePort)}`;
        used.set(nodePort, service.name);
        if (message === undefined) continue;
        violations.push({
          resource: service, ruleId: this.id, severity: 'error', path, message,
          hint: `pick a free nodePort in ${NODE_PORT_RANGE[0] + 1}-${NODE_PORT_RANGE[1]}, or leave it out to let Kubernetes choose`,
        });
      }
    }
    return violations;
  },
};
