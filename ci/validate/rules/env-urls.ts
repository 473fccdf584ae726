import { asArray, asString, isRecord } from '../resource.ts';
import { servicePorts, type Rule, type RuleViolation } from './model.ts';

/** `scheme://[user[:password]@]host[:port]`; `$(VAR)` references may appear in the user part. */
const URL_PATTERN = /\b([a-z][a-z0-9+.-]*):\/\/(?:[^@/\s]*@)?([A-Za-z0-9.-]+)(?::(\d+))?/g;
/** `host:port[,host:port...]`, as in KAFKA_BROKERS. */
const HOST_PORT_LIST = /^[a-z0-9][a-z0-9.-]*:\d+(,[a-z0-9][a-z0-9.-]*:\d+)*$/;
const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443 };
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '0.0.0.0']);

export interface Endpoint { host: string; port: number | undefined }

/** The cluster endpoints (host and port) an environment value points at. */
export function endpointsIn(value: string): Endpoint[] {
  if (HOST_PORT_LIST.test(value)) {
    return value.split(',').map((entry) => {
      const [host, port] = entry.split(':') as [string, string];
      return { host, port: Number(port) };
    });
  }
  const endpoints: Endpoint[] = [];
  for (const match of value.matchAll(URL_PATTERN)) {
    const [, scheme, host, port] = match as unknown as [string, string, string, string | undefined];
    endpoints.push({ host, port: port !== undefined ? Number(port) : DEFAULT_PORTS[scheme] });
  }
  return endpoints;
}

export const envUrlRule: Rule = {
  id: 'ENV001',
  title: 'every URL (and host:port list) in an env value names a Service of the set and one of its ports',
  check(model) {
    const violations: RuleViolation[] = [];
    for (const pod of model.podTemplates) {
      for (const container of pod.containers) {
        asArray(container.value.env).forEach((variable, index) => {
          if (!isRecord(variable)) return;
          const value = asString(variable.value);
          if (value === undefined) return;
          for (const { host, port } of endpointsIn(value)) {
            if (LOCAL_HOSTS.has(host)) continue;
            const target = model.resolveServiceHost(host, pod.namespace);
            if (target === null) continue; // not a cluster Service name: outside the set's concern
            const path = [...container.path, 'env', index, 'value'];
            const name = asString(variable.name) ?? '?';
            if (!target.service) {
              violations.push({
                resource: pod.resource, ruleId: this.id, severity: 'error', path,
                message: `${name} points at "${host}", but there is no Service "${target.name}" in namespace ${target.namespace}`,
                hint: 'use the name of a Service defined in the manifests (<name>-svc), or define that Service',
              });
            } else if (port !== undefined && !servicePorts(target.service).some((p) => p.port === port)) {
              const ports = servicePorts(target.service).map((p) => String(p.port)).join(', ');
              violations.push({
                resource: pod.resource, ruleId: this.id, severity: 'error', path,
                message: `${name} uses port ${port} of Service ${target.name}, which serves ${ports || 'no ports'}`,
                hint: `use one of the Service's ports (${ports || 'none'}), or add port ${port} to it`,
              });
            }
          }
        });
      }
    }
    return violations;
  },
};
