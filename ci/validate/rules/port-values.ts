import { asArray, field, isRecord, type Resource } from '../resource.ts';
import type { FieldPath } from '../../lib/manifests.ts';
import type { Rule, RuleViolation } from './model.ts';

// As the API server validates them (IsValidPortNum, IsValidPortName, IsDNS1123Label).
const IANA_SERVICE_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Why a port name is not an IANA service name, or undefined when it is one. */
export function ianaNameProblem(name: string): string | undefined {
  if (name.length > 15) return 'is longer than 15 characters';
  if (!IANA_SERVICE_NAME.test(name)) return 'may hold only lowercase letters, digits and "-", not at its start or end';
  if (name.includes('--')) return 'may not contain "--"';
  if (!/[a-z]/.test(name)) return 'must contain at least one letter';
  return undefined;
}

const inRange = (value: unknown, min: number): boolean => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= 65535;

export const portValuesRule: Rule = {
  id: 'PRT001',
  title: 'port numbers are 1-65535 and port names are IANA service names (containers, probes, targetPort) or DNS labels (Service ports), as the API server requires',
  check(model) {
    const violations: RuleViolation[] = [];
    const push = (violation: RuleViolation): void => {
      violations.push(violation);
    };
    const checkNumberOrName = (resource: Resource, value: unknown, path: FieldPath, what: string): void => {
      if (typeof value === 'string') {
        const problem = ianaNameProblem(value); // a quoted number is a name too, and has no letter
        if (problem) push({ resource, ruleId: this.id, severity: 'error', path, message: `${what} "${value}" ${problem}`, hint: 'use the port number, or a name like http or grpc-api (at most 15 lowercase letters, digits, "-")' });
      } else if (value !== undefined && !inRange(value, 1)) {
        push({ resource, ruleId: this.id, severity: 'error', path, message: `${what} ${JSON.stringify(value)} is not a port number (1-65535)`, hint: 'use a port number from 1 to 65535' });
      }
    };
    for (const pod of model.podTemplates) {
      for (const container of pod.containers) {
        asArray(container.value.ports).forEach((port, index) => {
          if (!isRecord(port)) return;
          const path = [...container.path, 'ports', index];
          if (port.containerPort !== undefined && !inRange(port.containerPort, 1)) {
            push({ resource: pod.resource, ruleId: this.id, severity: 'error', path: [...path, 'containerPort'], message: `containerPort ${JSON.stringify(port.containerPort)} is not a port number (1-65535)`, hint: 'use a port number from 1 to 65535' });
          }
          if (port.hostPort !== undefined && port.hostPort !== 0 && !inRange(port.hostPort, 1)) {
            push({ resource: pod.resource, ruleId: this.id, severity: 'error', path: [...path, 'hostPort'], message: `hostPort ${JSON.stringify(port.hostPort)} is not a port number (1-65535)`, hint: 'use a port number from 1 to 65535, or leave hostPort out' });
          }
          if (typeof port.name === 'string') {
            const problem = ianaNameProblem(port.name);
            if (problem) push({ resource: pod.resource, ruleId: this.id, severity: 'error', path: [...path, 'name'], message: `port name "${port.name}" ${problem}`, hint: 'name it like http, grpc or metrics (at most 15 lowercase letters, digits, "-", with a letter)' });
          }
        });
        for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
          for (const handler of ['httpGet', 'tcpSocket'] as const) {
            const path = [...container.path, probe, handler, 'port'];
            checkNumberOrName(pod.resource, field(container.value, probe, handler, 'port'), path, `${probe} port`);
          }
          const grpc = field(container.value, probe, 'grpc', 'port');
          if (grpc !== undefined && !inRange(grpc, 1)) {
            push({ resource: pod.resource, ruleId: this.id, severity: 'error', path: [...container.path, probe, 'grpc', 'port'], message: `${probe} grpc port ${JSON.stringify(grpc)} is not a port number (1-65535)`, hint: 'a grpc probe takes a port number from 1 to 65535' });
          }
        }
      }
    }
    for (const service of model.ofKind('Service', '')) {
      asArray(field(service.object, 'spec', 'ports')).forEach((port, index) => {
        if (!isRecord(port)) return;
        const path = ['spec', 'ports', index];
        if (!inRange(port.port, 1)) {
          push({ resource: service, ruleId: this.id, severity: 'error', path: [...path, 'port'], message: `port ${JSON.stringify(port.port)} is not a port number (1-65535)`, hint: 'use a port number from 1 to 65535' });
        }
        if (typeof port.name === 'string' && (port.name.length > 63 || !DNS_LABEL.test(port.name))) {
          push({ resource: service, ruleId: this.id, severity: 'error', path: [...path, 'name'], message: `Service port name "${port.name}" is not a DNS label`, hint: 'use lowercase letters, digits and "-" (at most 63), starting and ending with a letter or digit' });
        }
        checkNumberOrName(service, port.targetPort, [...path, 'targetPort'], 'targetPort');
      });
    }
    return violations;
  },
};
