import { servicePorts, type Rule, type RuleViolation } from './model.ts';
import { destinations } from './istio-routes.ts';
import { ISTIO_NETWORKING, resolveHost } from './istio-mesh.ts';

export const destinationPortRequiredRule: Rule = {
  id: 'IST019',
  title: 'a route destination on a Service with several ports names the port (istioctl IST0112)',
  check(model) {
    const violations: RuleViolation[] = [];
    for (const virtualService of model.ofKind('VirtualService', ISTIO_NETWORKING)) {
      for (const destination of destinations(virtualService)) {
        if (destination.port !== undefined) continue;
        const target = resolveHost(model, destination.host, model.namespaceOf(virtualService));
        if (!target.service || target.entries.length > 0) continue;
        const ports = servicePorts(target.service).map((port) => String(port.port));
        if (ports.length < 2) continue;
        violations.push({
          resource: virtualService, ruleId: this.id, istioCode: 'IST0112', severity: 'error', path: destination.path,
          message: `Service ${target.service.name} has several ports (${ports.join(', ')}) and this destination names none: Istio cannot tell which to use`,
          hint: `add port: { number: N } to the destination, N one of ${ports.join(', ')}`,
        });
      }
    }
    return violations;
  },
};
