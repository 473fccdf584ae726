import type { Rule, RuleViolation } from './model.ts';
import { gatewayServers, gatewayWorkload, ISTIO_NETWORKING } from './istio-mesh.ts';
import { asString, field, type Resource } from '../resource.ts';

export const gatewayCertificateRule: Rule = {
  id: 'IST011',
  title: 'one certificate is not served by several Gateways of the same workload (istioctl IST0138)',
  check(model) {
    const violations: RuleViolation[] = [];
    const byCertificate = new Map<string, Resource>();
    for (const gateway of model.ofKind('Gateway', ISTIO_NETWORKING)) {
      const workload = gatewayWorkload(model, gateway);
      const scope = workload.namespaces.join(',') || model.namespaceOf(gateway);
      for (const server of gatewayServers(gateway)) {
        const files = asString(field(gateway.object, ...server.path, 'tls', 'serverCertificate'));
        const certificates = [...server.credentialNames.map((name) => `secret ${name}`), ...(files ? [`file ${files}`] : [])];
        for (const certificate of certificates) {
          const key = `${scope} ${certificate}`;
          const first = byCertificate.get(key);
          if (!first) {
            byCertificate.set(key, gateway);
          } else if (first !== gateway) {
            violations.push({
              resource: gateway, ruleId: this.id, istioCode: 'IST0138', severity: 'warning', path: [...server.path, 'tls'],
              message: `the same certificate (${certificate}) is on Gateway ${model.namespaceOf(first)}/${first.name} too: clients reusing an HTTP/2 connection get 404s`,
              hint: 'serve the hosts of both from one Gateway, or give each Gateway its own certificate',
            });
          }
        }
      }
    }
    return violations;
  },
};
