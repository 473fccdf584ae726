import { asArray, field, type Resource } from '../resource.ts';
import type { Rule, RuleViolation } from './model.ts';
import { exportScope, fqdn, ISTIO_NETWORKING } from './istio-mesh.ts';

/** Whether a VirtualService applies to sidecars: no gateways, or `mesh` among them. */
const boundToMesh = (virtualService: Resource): boolean => {
  const gateways = asArray(field(virtualService.object, 'spec', 'gateways'));
  return gateways.length === 0 || gateways.includes('mesh');
};

const overlap = (a: Set<string> | undefined, b: Set<string> | undefined): boolean =>
  a === undefined || b === undefined || [...a].some((namespace) => b.has(namespace));

export const meshHostConflictRule: Rule = {
  id: 'IST009',
  title: 'one host is in at most one VirtualService bound to the mesh, among those visible together (istioctl IST0109)',
  check(model) {
    const violations: RuleViolation[] = [];
    const owners = new Map<string, { virtualService: Resource; scope: Set<string> | undefined }[]>();
    for (const virtualService of model.ofKind('VirtualService', ISTIO_NETWORKING)) {
      if (!boundToMesh(virtualService)) continue;
      const namespace = model.namespaceOf(virtualService);
      const scope = exportScope(virtualService, model);
      asArray(field(virtualService.object, 'spec', 'hosts')).forEach((host, index) => {
        if (typeof host !== 'string') return;
        const name = fqdn(host, namespace);
        const earlier = (owners.get(name) ?? []).find((owner) => owner.virtualService !== virtualService && overlap(owner.scope, scope));
        if (earlier) {
          violations.push({
            resource: virtualService, ruleId: this.id, istioCode: 'IST0109', severity: 'error', path: ['spec', 'hosts', index],
            message: `host ${name} is also defined by VirtualService ${model.namespaceOf(earlier.virtualService)}/${earlier.virtualService.name} for the mesh: which one applies is undefined`,
            hint: 'merge the routes of both VirtualServices into one, or narrow one with exportTo',
          });
        }
        owners.set(name, [...(owners.get(name) ?? []), { virtualService, scope }]);
      });
    }
    return violations;
  },
};
