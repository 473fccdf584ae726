import type { Rule, RuleViolation } from './model.ts';
import { gatewayReferences } from './istio-routes.ts';

export const virtualServiceGatewayRule: Rule = {
  id: 'IST001',
  title: 'gateways named by a VirtualService are Gateways of the set (or "mesh")',
  check(model) {
    const violations: RuleViolation[] = [];
    const gateways = new Set(model.ofKind('Gateway', 'networking.istio.io').map((g) => `${model.namespaceOf(g)}/${g.name}`));
    for (const virtualService of model.ofKind('VirtualService', 'networking.istio.io')) {
      for (const reference of gatewayReferences(virtualService)) {
        if (reference.name === 'mesh') continue;
        const key = reference.name.includes('/') ? reference.name : `${model.namespaceOf(virtualService)}/${reference.name}`;
        if (gateways.has(key)) continue;
        violations.push({
          resource: virtualService, ruleId: this.id, severity: 'error', path: reference.path,
          message: `gateway "${reference.name}" is not a Gateway of the set (looked for ${key})`,
          hint: 'name a Gateway defined in the manifests (<namespace>/<name> for another namespace), or "mesh"',
        });
      }
    }
    return violations;
  },
};
