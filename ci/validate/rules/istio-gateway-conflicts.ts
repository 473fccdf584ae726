import type { Rule, RuleViolation } from './model.ts';
import { formatLabels, gatewayServers, hostsIntersect, ISTIO_NETWORKING } from './istio-mesh.ts';
import { field, stringMap, type Resource } from '../resource.ts';

export const gatewayConflictRule: Rule = {
  id: 'IST008',
  title: 'no two Gateways with the same selector share a port and a host (istioctl IST0145)',
  check(model) {
    const violations: RuleViolation[] = [];
    const seen: { gateway: Resource; selector: string; port: number; host: string }[] = [];
    for (const gateway of model.ofKind('Gateway', ISTIO_NETWORKING)) {
      const selector = formatLabels(Object.fromEntries(Object.entries(stringMap(field(gateway.object, 'spec', 'selector'))).sort()));
      for (const server of gatewayServers(gateway)) {
        if (server.port === undefined) continue;
        server.hosts.forEach((rawHost, hostIndex) => {
          const host = rawHost.includes('/') ? rawHost.slice(rawHost.indexOf('/') + 1) : rawHost;
          const other = seen.find((entry) => entry.gateway !== gateway && entry.selector === selector && entry.port === server.port && hostsIntersect(entry.host, host));
          if (other) {
            violations.push({
              resource: gateway, ruleId: this.id, istioCode: 'IST0145', severity: 'error', path: [...server.path, 'hosts', hostIndex],
              message: `conflicts with Gateway ${model.namespaceOf(other.gateway)}/${other.gateway.name}: same workload selector (${selector || 'all'}), port ${server.port} and host ${host} (there: ${other.host})`,
              hint: 'merge the two Gateways into one, or give them distinct hosts or ports',
            });
          }
          seen.push({ gateway, selector, port: server.port!, host });
        });
      }
    }
    return violations;
  },
};
