import { asArray, field, type Resource } from '../resource.ts';
import type { Rule, RuleViolation } from './model.ts';
import { gatewayServers, hostsIntersect, ISTIO_NETWORKING } from './istio-mesh.ts';

/** Whether a Gateway server host (`host`, `ns/host`, `./host`, `*\/host`) admits a VirtualService host of `namespace`. */
function serverAdmits(serverHost: string, gatewayNamespace: string, vsNamespace: string, vsHost: string): boolean {
  const slash = serverHost.indexOf('/');
  const scope = slash === -1 ? '*' : serverHost.slice(0, slash);
  const host = slash === -1 ? serverHost : serverHost.slice(slash + 1);
  if (scope === '.' ? gatewayNamespace !== vsNamespace : scope !== '*' && scope !== vsNamespace) return false;
  return hostsIntersect(host, vsHost);
}

export const gatewayHostsRule: Rule = {
  id: 'IST006',
  title: 'VirtualService hosts are hosts of the Gateways it binds (istioctl IST0132)',
  check(model) {
    const violations: RuleViolation[] = [];
    const gateways = new Map<string, Resource>(model.ofKind('Gateway', ISTIO_NETWORKING).map((g) => [`${model.namespaceOf(g)}/${g.name}`, g]));
    for (const virtualService of model.ofKind('VirtualService', ISTIO_NETWORKING)) {
      const namespace = model.namespaceOf(virtualService);
      const hosts = asArray(field(virtualService.object, 'spec', 'hosts'));
      asArray(field(virtualService.object, 'spec', 'gateways')).forEach((reference) => {
        if (typeof reference !== 'string' || reference === 'mesh') return;
        const gateway = gateways.get(reference.includes('/') ? reference : `${namespace}/${reference}`);
        if (!gateway) return; // IST001 reports it
        const serverHosts = gatewayServers(gateway).flatMap((server) => server.hosts);
        hosts.forEach((host, index) => {
          if (typeof host !== 'string') return;
          if (serverHosts.some((serverHost) => serverAdmits(serverHost, model.namespaceOf(gateway), namespace, host))) return;
          violations.push({
            resource: virtualService, ruleId: this.id, istioCode: 'IST0132', severity: 'warning', path: ['spec', 'hosts', index],
            message: `host "${host}" is not a host of Gateway ${model.namespaceOf(gateway)}/${gateway.name} (${serverHosts.join(', ') || 'no hosts'}): the gateway never routes it here`,
            hint: `add "${host}" to the Gateway's server hosts, or use a host the Gateway serves`,
          });
        });
      });
    }
    return violations;
  },
};

