import { asArray, field, isRecord } from '../resource.ts';
import { containerPorts, declaresPort, type Rule, type RuleViolation } from './model.ts';

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const HANDLERS = ['httpGet', 'tcpSocket', 'grpc'] as const;

export const probePortRule: Rule = {
  id: 'PRB001',
  title: 'probe ports (by name or number) are ports the container declares',
  check(model) {
    const violations: RuleViolation[] = [];
    for (const pod of model.podTemplates) {
      for (const container of pod.containers) {
        for (const probe of PROBES) {
          for (const handler of HANDLERS) {
            const port = field(container.value, probe, handler, 'port');
            if (port === undefined || declaresPort(container, port)) continue;
            const declared = containerPorts(container).map((p) => `${String(p.containerPort)}${p.name ? `/${p.name}` : ''}`);
            violations.push({
              resource: pod.resource, ruleId: this.id, severity: 'error',
              path: [...container.path, probe, handler, 'port'],
              message: `${probe} of container "${container.name}" probes port ${JSON.stringify(port)}, which the container does not declare (${declared.join(', ') || 'no ports'})`,
              hint: 'probe a declared port, preferably by its name (e.g. port: http)',
            });
          }
        }
      }
    }
    return violations;
  },
};

export const probeProtocolRule: Rule = {
  id: 'PRB002',
  title: 'probes (HTTP, TCP, gRPC: all over TCP) target a container port declared with protocol TCP',
  check(model) {
    const violations: RuleViolation[] = [];
    for (const pod of model.podTemplates) {
      for (const container of pod.containers) {
        for (const probe of PROBES) {
          for (const handler of HANDLERS) {
            const port = field(container.value, probe, handler, 'port');
            if (port === undefined) continue;
            const declared = asArray(container.value.ports).filter(isRecord)
              .find((entry) => (typeof port === 'string' ? entry.name === port : entry.containerPort === port));
            const protocol = typeof declared?.protocol === 'string' ? declared.protocol : 'TCP';
            if (!declared || protocol === 'TCP') continue;
            violations.push({
              resource: pod.resource, ruleId: this.id, severity: 'error', path: [...container.path, probe, handler, 'port'],
              message: `${probe} of container "${container.name}" probes port ${JSON.stringify(port)}, declared with protocol ${protocol}: the kubelet's ${handler} probe connects over TCP and always fails`,
              hint: 'probe a TCP port of the container (or declare this port with protocol TCP as well)',
            });
          }
        }
      }
    }
    return violations;
  },
};
