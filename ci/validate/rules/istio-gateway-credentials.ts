import { field, type Resource } from '../resource.ts';
import type { Rule, RuleViolation } from './model.ts';
import { gatewayServers, gatewayWorkload, ISTIO_NETWORKING } from './istio-mesh.ts';

export const gatewayCredentialRule: Rule = {
  id: 'IST010',
  title: 'a Gateway credentialName names a Secret in the gateway workload\'s namespace (istioctl IST0101)',
  check(model) {
    const violations: RuleViolation[] = [];
    const secrets = new Set(model.ofKind('Secret', '').map((secret) => `${model.namespaceOf(secret)}/${secret.name}`));
    for (const gateway of model.ofKind('Gateway', ISTIO_NETWORKING)) {
      const workload = gatewayWorkload(model, gateway);
      // Where the gateway reads certificates: its pods' namespace(s); unknown pods: the Gateway's own.
      const namespaces = workload.namespaces.length > 0 ? workload.namespaces : [model.namespaceOf(gateway)];
      for (const server of gatewayServers(gateway)) {
        server.credentialNames.forEach((name) => {
          if (name.includes('://')) return; // another provider (e.g. kubernetes-gateway://)
          if (namespaces.some((namespace) => secrets.has(`${namespace}/${name}`))) return;
          const single = server.credentialNames.length === 1 && gatewayHasField(gateway, server.index, 'credentialName');
          violations.push({
            resource: gateway, ruleId: this.id, istioCode: 'IST0101', severity: 'error',
            path: [...server.path, 'tls', single ? 'credentialName' : 'credentialNames'],
            message: `credentialName "${name}" names no Secret in ${namespaces.join(' or ')}: the gateway has no certificate for this server`,
            hint: `create the TLS Secret ${name} (kubectl create secret tls ${name} -n ${namespaces[0]} --cert=... --key=...) in the gateway's namespace, or fix the name`,
          });
        });
      }
    }
    return violations;
  },
};

const gatewayHasField = (gateway: Resource, index: number, name: string): boolean =>
  field(gateway.object, 'spec', 'servers', index, 'tls', name) !== undefined;
