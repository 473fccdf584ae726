import { servicePorts, type Rule, type RuleViolation } from './model.ts';
import { destinations } from './istio-routes.ts';
import { ISTIO_NETWORKING, resolveHost } from './istio-mesh.ts';

export const virtualServiceDestinationRule: Rule = {
  id: 'IST002',
  title: 'VirtualService destination hosts are Services (or ServiceEntry hosts) visible from its namespace (exportTo), with the port they name',
  check(model) {
    const violations: RuleViolation[] = [];
    for (const virtualService of model.ofKind('VirtualService', ISTIO_NETWORKING)) {
      const namespace = model.namespaceOf(virtualService);
      for (const destination of destinations(virtualService)) {
        const target = resolveHost(model, destination.host, namespace);
        if (target.entries.length > 0) continue;
        const named = model.resolveServiceHost(destination.host, namespace);
        if (!target.service) {
          violations.push({
            resource: virtualService, ruleId: this.id, severity: 'error', path: [...destination.path, 'host'],
            message: named === null
              ? `destination host "${destination.host}" is neither a Service nor a ServiceEntry host visible from namespace ${namespace}`
              : named.service
                ? `destination host "${destination.host}": Service ${named.name} in namespace ${named.namespace} is not exported to namespace ${namespace} (networking.istio.io/exportTo)`
                : `destination host "${destination.host}": there is no Service "${named.name}" in namespace ${named.namespace}`,
            hint: 'route to a Service defined in the manifests (<name>-svc) and exported to this namespace, or declare the external host in a ServiceEntry',
          });
          continue;
        }
        const ports = servicePorts(target.service);
        const list = ports.map((p) => String(p.port)).join(', ') || 'none';
        if (destination.port !== undefined && !ports.some((p) => p.port === destination.port)) {
          violations.push({
            resource: virtualService, ruleId: this.id, severity: 'error', path: [...destination.path, 'port', 'number'],
            message: `destination port ${destination.port} is not a port of Service ${target.service.name} (${list})`,
            hint: `use one of the Service's ports: ${list}`,
          });
        }
      }
    }
    return violations;
  },
};

