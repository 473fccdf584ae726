import { asArray, asString, field } from '../resource.ts';
import type { Rule, RuleViolation } from './model.ts';
import { destinations } from './istio-routes.ts';

export const virtualServiceSubsetRule: Rule = {
  id: 'IST003',
  title: 'subsets named by VirtualService routes are defined by a DestinationRule for the same host',
  check(model) {
    const violations: RuleViolation[] = [];
    /** Subsets by the host a DestinationRule applies to (its namespace-qualified Service, or the literal host). */
    const subsets = new Map<string, Set<string>>();
    const hostKey = (host: string, namespace: string): string => {
      const target = model.resolveServiceHost(host, namespace);
      return target === null ? host : `${target.name}.${target.namespace}`;
    };
    for (const rule of model.ofKind('DestinationRule', 'networking.istio.io')) {
      const host = asString(field(rule.object, 'spec', 'host'));
      if (host === undefined) continue;
      const key = hostKey(host, model.namespaceOf(rule));
      const names = subsets.get(key) ?? new Set<string>();
      for (const subset of asArray(field(rule.object, 'spec', 'subsets'))) {
        const name = asString(field(subset, 'name'));
        if (name !== undefined) names.add(name);
      }
      subsets.set(key, names);
    }
    for (const virtualService of model.ofKind('VirtualService', 'networking.istio.io')) {
      for (const destination of destinations(virtualService)) {
        if (destination.subset === undefined) continue;
        const defined = subsets.get(hostKey(destination.host, model.namespaceOf(virtualService)));
        if (defined?.has(destination.subset)) continue;
        violations.push({
          resource: virtualService, ruleId: this.id, severity: 'error', path: [...destination.path, 'subset'],
          message: defined
            ? `subset "${destination.subset}" of ${destination.host} is not defined (its DestinationRule defines ${[...defined].join(', ') || 'none'})`
            : `subset "${destination.subset}" of ${destination.host}: no DestinationRule for this host defines subsets`,
          hint: 'define the subset (name and labels) in a DestinationRule whose host is this Service',
        });
      }
    }
    return violations;
  },
};
