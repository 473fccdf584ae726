import { asArray, asString, field } from '../resource.ts';
import { servicePorts, type Rule, type RuleViolation } from './model.ts';
import { destinations, hostMatches } from './istio-routes.ts';

export const virtualServiceDestinationRule: Rule = {
  id: 'IST002',
  title: 'VirtualService destination hosts are Services (or ServiceEntry hosts) of the set, with the port they name',
  check(model) {
    const violations: RuleViolation[] = [];
    const entryHosts = model.ofKind('ServiceEntry', 'networking.istio.io')
      .flatMap((entry) => asArray(field(entry.object, 'spec', 'hosts')).map(asString))
      .filter((host): host is string => host !== undefined);
    for (const virtualService of model.ofKind('VirtualService', 'networking.istio.io')) {
      for (const destination of destinations(virtualService)) {
        if (entryHosts.some((pattern) => hostMatches(pattern, destination.host))) continue;
        const target = model.resolveServiceHost(destination.host, model.namespaceOf(virtualService));
        if (!target?.service) {
          violations.push({
            resource: virtualService, ruleId: this.id, severity: 'error', path: [...destination.path, 'host'],
            message: target === null
              ? `destination host "${destination.host}" is neither a Service nor a ServiceEntry host of the set`
              : `destination host "${destination.host}": there is no Service "${target.name}" in namespace ${target.namespace}`,
            hint: 'route to a Service defined in the manifests (<name>-svc), or declare the external host in a ServiceEntry',
          });
        } else if (destination.port !== undefined && !servicePorts(target.service).some((p) => p.port === destination.port)) {
          const ports = servicePorts(target.service).map((p) => String(p.port)).join(', ');
          violations.push({
            resource: virtualService, ruleId: this.id, severity: 'error', path: [...destination.path, 'port', 'number'],
            message: `destination port ${destination.port} is not a port of Service ${target.name} (${ports || 'none'})`,
            hint: `use one of the Service's ports: ${ports || 'none'}`,
          });
        }
      }
    }
    return violations;
  },
};
