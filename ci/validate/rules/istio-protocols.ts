import { asArray, asString, field, type Resource } from '../resource.ts';
import { selectedPods, type Rule, type RuleViolation } from './model.ts';
import { fqdn, ISTIO_NETWORKING } from './istio-mesh.ts';

/** The protocol Istio takes for a Service port: appProtocol, else the name's prefix (`http-web`), else TCP/UDP. */
export function serviceProtocol(port: Record<string, unknown>): string {
  const appProtocol = asString(port.appProtocol);
  if (appProtocol) return appProtocol.toUpperCase();
  const name = asString(port.name);
  const prefix = name?.split('-')[0]?.toLowerCase();
  const known = ['http', 'http2', 'https', 'grpc', 'grpc-web', 'tcp', 'tls', 'mongo', 'mysql', 'redis', 'udp'];
  if (prefix && known.includes(prefix)) return prefix.toUpperCase();
  return asString(port.protocol) === 'UDP' ? 'UDP' : 'TCP (detected)';
}

export const serviceProtocolConflictRule: Rule = {
  id: 'IST017',
  title: 'Services in front of the same pods give a port one protocol (istioctl IST0116)',
  check(model) {
    const violations: RuleViolation[] = [];
    const byPod = new Map<unknown, Map<unknown, { service: Resource; protocol: string }>>();
    for (const service of model.ofKind('Service', '')) {
      const pods = selectedPods(model, service);
      asArray(field(service.object, 'spec', 'ports')).forEach((port, index) => {
        if (typeof port !== 'object' || port === null) return;
        const number = (port as Record<string, unknown>).port;
        const protocol = serviceProtocol(port as Record<string, unknown>);
        for (const pod of pods) {
          const ports = byPod.get(pod) ?? new Map();
          byPod.set(pod, ports);
          const earlier = ports.get(number);
          if (earlier && earlier.service !== service && earlier.protocol !== protocol) {
            violations.push({
              resource: service, ruleId: this.id, istioCode: 'IST0116', severity: 'warning', path: ['spec', 'ports', index],
              message: `port ${String(number)} is ${protocol} here but ${earlier.protocol} in Service ${earlier.service.name}, both in front of ${pod.resource.kind}/${pod.resource.name}: the sidecar can serve it only one way`,
              hint: 'give the port the same protocol (name prefix or appProtocol) in every Service selecting these pods',
            });
            break;
          }
          if (!earlier) ports.set(number, { service, protocol });
        }
      });
    }
    return violations;
  },
};

export const serviceEntryProtocolRule: Rule = {
  id: 'IST018',
  title: 'ServiceEntries declaring the same host and port agree on its protocol (istioctl IST0177)',
  check(model) {
    const violations: RuleViolation[] = [];
    const seen = new Map<string, { entry: Resource; protocol: string }>();
    for (const entry of model.ofKind('ServiceEntry', ISTIO_NETWORKING)) {
      const namespace = model.namespaceOf(entry);
      const hosts = asArray(field(entry.object, 'spec', 'hosts')).filter((host): host is string => typeof host === 'string');
      asArray(field(entry.object, 'spec', 'ports')).forEach((port, index) => {
        const number = field(port, 'number');
        const protocol = (asString(field(port, 'protocol')) ?? 'TCP').toUpperCase();
        for (const host of hosts) {
          const key = `${fqdn(host, namespace)}:${String(number)}`;
          const earlier = seen.get(key);
          if (earlier && earlier.entry !== entry && earlier.protocol !== protocol) {
            violations.push({
              resource: entry, ruleId: this.id, istioCode: 'IST0177', severity: 'warning', path: ['spec', 'ports', index, 'protocol'],
              message: `${host}:${String(number)} is ${protocol} here but ${earlier.protocol} in ServiceEntry ${model.namespaceOf(earlier.entry)}/${earlier.entry.name}: one of the two is ignored`,
              hint: 'declare the host and port in one ServiceEntry, or with the same protocol in both',
            });
            break;
          }
          if (!earlier) seen.set(key, { entry, protocol });
        }
      });
    }
    return violations;
  },
};

