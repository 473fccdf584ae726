// What Istio's cross-resource rules share: host names (short, FQDN, wildcards), exportTo
// visibility, workload selectors, the pods and Service behind a Gateway.
import { asArray, asRecord, asString, field, stringMap, type Resource } from '../resource.ts';
import { KNOWN_GATEWAY_PODS } from './istio-gateway-selector.ts';
import { selects, servicePorts, type ClusterModel, type PodTemplate } from './model.ts';

export const ISTIO_NETWORKING = 'networking.istio.io';
export const ISTIO_SECURITY = 'security.istio.io';
export const ISTIO_TELEMETRY = 'telemetry.istio.io';
/** Istio's root namespace: configuration there applies to every namespace. */
export const ROOT_NAMESPACE = 'istio-system';
const CLUSTER_SUFFIX = 'svc.cluster.local';

/** The FQDN Istio makes of a host written in a resource of `namespace` (short names are Services). */
export function fqdn(host: string, namespace: string): string {
  if (host.includes('*')) return host;
  const parts = host.replace(/\.$/, '').split('.');
  if (parts.length === 1) return `${host}.${namespace}.${CLUSTER_SUFFIX}`;
  if (parts.length === 2) return `${host}.${CLUSTER_SUFFIX}`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.cluster.local`;
  return host;
}

/** Whether a host pattern (`*`, `*.example.com`, or a name) covers a host (itself possibly a wildcard). */
export function hostCovers(pattern: string, host: string): boolean {
  if (pattern === '*' || pattern === host) return true;
  if (!pattern.startsWith('*')) return false;
  const suffix = pattern.slice(1); // ".example.com"
  return host.endsWith(suffix) && host.length > suffix.length;
}

/** Whether two host patterns have a host in common. */
export const hostsIntersect = (a: string, b: string): boolean => hostCovers(a, b) || hostCovers(b, a);

/** Namespaces a resource is exported to: undefined for every namespace (no exportTo, or `*`). */
export function exportedTo(values: readonly string[] | undefined, ownNamespace: string): Set<string> | undefined {
  if (values === undefined || values.length === 0 || values.includes('*')) return undefined;
  return new Set(values.filter((value) => value !== '~').map((value) => (value === '.' ? ownNamespace : value)));
}

const stringsOf = (value: unknown): string[] | undefined => {
  const list = asArray(value).map(asString).filter((item): item is string => item !== undefined);
  return Array.isArray(value) ? list : undefined;
};

/** Namespaces a VirtualService, ServiceEntry or DestinationRule (spec.exportTo) or a Service (annotation) is visible from. */
export function exportScope(resource: Resource, model: ClusterModel): Set<string> | undefined {
  const namespace = model.namespaceOf(resource);
  if (resource.kind === 'Service') {
    const annotation = stringMap(field(resource.object, 'metadata', 'annotations'))['networking.istio.io/exportTo'];
    return annotation === undefined ? undefined : exportedTo(annotation.split(',').map((value) => value.trim()), namespace);
  }
  return exportedTo(stringsOf(field(resource.object, 'spec', 'exportTo')), namespace);
}

export const visibleFrom = (scope: Set<string> | undefined, namespace: string): boolean => scope === undefined || scope.has(namespace);

export interface HostTarget {
  /** The Service the host names, when it is a Service of the set visible from the namespace. */
  service?: Resource;
  /** ServiceEntries declaring the host, visible from the namespace. */
  entries: Resource[];
}

/**
 * What a host written in a resource of `namespace` designates: a Service of the set (visible from
 * there), and/or ServiceEntries (visible from there) declaring it. A ServiceEntry host `*` declares
 * no particular host and matches nothing here.
 */
export function resolveHost(model: ClusterModel, host: string, namespace: string): HostTarget {
  const target: HostTarget = { entries: [] };
  const service = model.resolveServiceHost(host, namespace)?.service;
  if (service && visibleFrom(exportScope(service, model), namespace)) target.service = service;
  const name = fqdn(host, namespace);
  for (const entry of model.ofKind('ServiceEntry', ISTIO_NETWORKING)) {
    if (!visibleFrom(exportScope(entry, model), namespace)) continue;
    const entryNamespace = model.namespaceOf(entry);
    const hosts = stringsOf(field(entry.object, 'spec', 'hosts')) ?? [];
    if (hosts.some((pattern) => pattern !== '*' && (hostCovers(pattern, host) || hostCovers(fqdn(pattern, entryNamespace), name)))) target.entries.push(entry);
  }
  return target;
}

/** Pod templates a workload selector of a resource in `namespace` picks (the root namespace's apply everywhere). */
export function selectedPodTemplates(model: ClusterModel, labels: Record<string, string>, namespace: string): PodTemplate[] {
  return model.podTemplates.filter((pod) => (namespace === ROOT_NAMESPACE || pod.namespace === namespace) && selects(labels, pod.labels));
}

/** A gateway deployment of Istio's installation (not in the manifests), with its Service's default ports. */
interface KnownGateway { labels: Record<string, string>; namespace: string; ports: { port: number; targetPort: number }[] }
const KNOWN_GATEWAYS: readonly KnownGateway[] = [
  { labels: KNOWN_GATEWAY_PODS[0]!, namespace: ROOT_NAMESPACE, ports: [{ port: 15021, targetPort: 15021 }, { port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }] },
  { labels: KNOWN_GATEWAY_PODS[1]!, namespace: ROOT_NAMESPACE, ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 8443 }] },
];

export interface GatewayWorkload {
  selector: Record<string, string>;
  /** Gateway pods of the set the selector picks (any namespace, as Istio does by default). */
  pods: PodTemplate[];
  /** Istio's own gateway it picks, when no pod of the set matches. */
  known?: KnownGateway;
  /** Namespaces the gateway pods run in. */
  namespaces: string[];
  /** Ports (and target ports) of the Services in front of the gateway pods; undefined when unknown. */
  servicePorts?: number[];
}

export function gatewayWorkload(model: ClusterModel, gateway: Resource): GatewayWorkload {
  const selector = stringMap(field(gateway.object, 'spec', 'selector'));
  const pods = model.podTemplates.filter((pod) => selects(selector, pod.labels));
  if (pods.length > 0) {
    const services = model.ofKind('Service', '').filter((service) => {
      const serviceSelector = stringMap(field(service.object, 'spec', 'selector'));
      return pods.some((pod) => pod.namespace === model.namespaceOf(service) && selects(serviceSelector, pod.labels));
    });
    const ports = services.flatMap((service) => servicePorts(service).flatMap((port) => [port.port, port.targetPort]))
      .filter((port): port is number => typeof port === 'number');
    return { selector, pods, namespaces: [...new Set(pods.map((pod) => pod.namespace))], ...(services.length > 0 ? { servicePorts: ports } : {}) };
  }
  const known = Object.keys(selector).length > 0 ? KNOWN_GATEWAYS.find((gw) => selects(selector, gw.labels)) : undefined;
  if (known) return { selector, pods, known, namespaces: [known.namespace], servicePorts: known.ports.flatMap((p) => [p.port, p.targetPort]) };
  return { selector, pods, namespaces: [] };
}

export interface GatewayServer { index: number; port?: number; hosts: string[]; credentialNames: string[]; path: (string | number)[] }

export function gatewayServers(gateway: Resource): GatewayServer[] {
  return asArray(field(gateway.object, 'spec', 'servers')).map((server, index) => {
    const tls = asRecord(field(server, 'tls'));
    const port = field(server, 'port', 'number');
    return {
      index,
      ...(typeof port === 'number' ? { port } : {}),
      hosts: stringsOf(field(server, 'hosts')) ?? [],
      credentialNames: [asString(tls.credentialName), ...(stringsOf(tls.credentialNames) ?? [])].filter((name): name is string => name !== undefined && name !== ''),
      path: ['spec', 'servers', index],
    };
  });
}

/** Labels of a workload selector: `spec.selector.matchLabels`, or a Sidecar's `spec.workloadSelector.labels`. */
export function workloadSelector(resource: Resource): { labels: Record<string, string>; path: (string | number)[] } | undefined {
  if (resource.kind === 'Sidecar') {
    const labels = field(resource.object, 'spec', 'workloadSelector', 'labels');
    return labels === undefined ? undefined : { labels: stringMap(labels), path: ['spec', 'workloadSelector', 'labels'] };
  }
  const labels = field(resource.object, 'spec', 'selector', 'matchLabels');
  return labels === undefined ? undefined : { labels: stringMap(labels), path: ['spec', 'selector', 'matchLabels'] };
}

export const formatLabels = (labels: Record<string, string>): string => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',');
