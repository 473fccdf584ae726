import { asArray, field } from '../resource.ts';
import { apiGroupOf, type Rule, type RuleViolation } from './model.ts';

/** The NodePort the pipeline gives Istio's ingress gateway (kind maps it to a host port). */
export const INGRESS_NODE_PORT = 30000;

export const kindIngressPortRule: Rule = {
  id: 'KND001',
  title: `the kind cluster config maps containerPort ${INGRESS_NODE_PORT} (the ingress gateway's NodePort) to the host`,
  check(model) {
    const violations: RuleViolation[] = [];
    for (const cluster of model.resources.filter((r) => r.kind === 'Cluster' && apiGroupOf(r.apiVersion) === 'kind.x-k8s.io')) {
      const nodes = asArray(cluster.object.nodes);
      const mapped = nodes.some((node) => asArray(field(node, 'extraPortMappings'))
        .some((mapping) => field(mapping, 'containerPort') === INGRESS_NODE_PORT));
      if (mapped) continue;
      const controlPlane = nodes.findIndex((node) => field(node, 'role') === 'control-plane');
      violations.push({
        resource: cluster, ruleId: this.id, severity: 'error',
        path: controlPlane >= 0 ? ['nodes', controlPlane] : ['nodes'],
        message: `no node maps containerPort ${INGRESS_NODE_PORT}: the ingress gateway (NodePort ${INGRESS_NODE_PORT}) is unreachable from the host`,
        hint: `add extraPortMappings: [{containerPort: ${INGRESS_NODE_PORT}, hostPort: 13000}] to the control-plane node`,
      });
    }
    return violations;
  },
};
