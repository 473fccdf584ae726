// What cross-resource rules look at: the set of resources with the indexes they share (pod
// templates and their containers, Services, namespaces, DNS names), built once per run.
import type { FieldPath } from '../../lib/manifests.ts';
import type { ServiceFolder } from '../../lib/services.ts';
import { asArray, asRecord, asString, field, isRecord, stringMap, type Resource } from '../resource.ts';
import type { Violation } from '../violation.ts';

export interface Container {
  name: string;
  init: boolean;
  value: Record<string, unknown>;
  /** Path of the container in its resource. */
  path: FieldPath;
}

export interface PodTemplate {
  resource: Resource;
  /** Path of the object holding `metadata` and `spec` of the pod ([] for a Pod itself). */
  path: FieldPath;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Record<string, unknown>;
  containers: Container[];
}

/** Where each workload kind keeps its pod template. */
const POD_TEMPLATE_PATHS: Record<string, FieldPath> = {
  Pod: [],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export interface ClusterModel {
  resources: Resource[];
  podTemplates: PodTemplate[];
  /** Repository root and its service folders (services/<name>/ with a Dockerfile). */
  root: string;
  serviceFolders: ServiceFolder[];
  /** Names of the images the pipeline builds (`shopmesh/<name>`): the services and the lab controller. */
  buildableImages: string[];
  namespaceOf(resource: Resource): string;
  ofKind(kind: string, apiGroup?: string): Resource[];
  /** The Service a cluster DNS name designates, `null` when the name is not a cluster Service name. */
  resolveServiceHost(host: string, fromNamespace: string): { name: string; namespace: string; service?: Resource } | null;
}

export const apiGroupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

function containersOf(spec: Record<string, unknown>, specPath: FieldPath): Container[] {
  const containers: Container[] = [];
  for (const [key, init] of [['initContainers', true], ['containers', false]] as const) {
    asArray(spec[key]).forEach((value, index) => {
      if (isRecord(value)) containers.push({ name: asString(value.name) ?? `${key}[${index}]`, init, value, path: [...specPath, key, index] });
    });
  }
  return containers;
}

export interface ModelContext {
  root: string;
  serviceFolders: ServiceFolder[];
  buildableImages: string[];
  defaultNamespace: string;
}

export function buildModel(resources: Resource[], { root, serviceFolders, buildableImages, defaultNamespace }: ModelContext): ClusterModel {
  const namespaceOf = (resource: Resource): string => resource.namespace ?? defaultNamespace;
  const podTemplates: PodTemplate[] = [];
  for (const resource of resources) {
    const path = POD_TEMPLATE_PATHS[resource.kind];
    if (path === undefined || apiGroupOf(resource.apiVersion) === 'networking.istio.io') continue;
    const template = field(resource.object, ...path);
    if (!isRecord(template)) continue;
    const spec = asRecord(template.spec);
    podTemplates.push({
      resource, path, namespace: namespaceOf(resource),
      labels: stringMap(field(template, 'metadata', 'labels')),
      annotations: stringMap(field(template, 'metadata', 'annotations')),
      spec, containers: containersOf(spec, [...path, 'spec']),
    });
  }
  const byKind = new Map<string, Resource[]>();
  for (const resource of resources) {
    const list = byKind.get(resource.kind) ?? [];
    list.push(resource);
    byKind.set(resource.kind, list);
  }
  const namespaces = new Set<string>([defaultNamespace]);
  for (const resource of resources) {
    if (resource.kind === 'Namespace' && resource.apiVersion === 'v1') namespaces.add(resource.name);
    if (resource.namespace !== undefined) namespaces.add(resource.namespace);
  }
  const services = new Map<string, Resource>();
  for (const service of byKind.get('Service') ?? []) {
    if (service.apiVersion === 'v1') services.set(`${service.name}.${namespaceOf(service)}`, service);
  }
  return {
    resources, podTemplates, root, serviceFolders, buildableImages, namespaceOf,
    ofKind: (kind, apiGroup) => (byKind.get(kind) ?? []).filter((r) => apiGroup === undefined || apiGroupOf(r.apiVersion) === apiGroup),
    resolveServiceHost(host, fromNamespace) {
      const parts = host.replace(/\.$/, '').split('.');
      let name: string | undefined;
      let namespace: string | undefined;
      if (parts.length === 1) [name, namespace] = [parts[0], fromNamespace];
      else if (parts.length === 2 && namespaces.has(parts[1]!)) [name, namespace] = parts;
      else if (parts.length === 3 && parts[2] === 'svc') [name, namespace] = parts;
      else if (parts.length === 5 && parts.slice(2).join('.') === 'svc.cluster.local') [name, namespace] = parts;
      if (name === undefined || namespace === undefined || name === '' || name === '*') return null;
      const service = services.get(`${name}.${namespace}`);
      return service ? { name, namespace, service } : { name, namespace };
    },
  };
}

/** Whether every label of `selector` is on `labels` (an empty selector selects nothing here). */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

export type ResourceViolation = Violation & { resource: Resource };
/** A finding about a file rather than a resource (e.g. a service folder without a Deployment). */
export type FileViolation = Omit<Violation, 'path'> & { file: string; line: number; column: number };
export type RuleViolation = ResourceViolation | FileViolation;

export interface Rule {
  id: string;
  /** What is checked, in one line (listed by `--list-rules`). */
  title: string;
  check(model: ClusterModel): RuleViolation[];
}

/** Service ports: port number, name and targetPort (defaults to the port, as Kubernetes does). */
export interface ServicePort { index: number; port: unknown; name?: string; targetPort: unknown; targetPortSet: boolean; nodePort?: unknown }

export function servicePorts(service: Resource): ServicePort[] {
  return asArray(field(service.object, 'spec', 'ports')).map((port, index) => ({ port, index }))
    .filter((entry): entry is { port: Record<string, unknown>; index: number } => isRecord(entry.port)).map(({ port, index }) => ({
    index,
    port: port.port,
    ...(typeof port.name === 'string' ? { name: port.name } : {}),
    targetPort: port.targetPort ?? port.port,
    targetPortSet: port.targetPort !== undefined,
    ...(port.nodePort !== undefined ? { nodePort: port.nodePort } : {}),
  }));
}

export const containerPorts = (container: Container): { name?: string; containerPort: unknown }[] =>
  asArray(container.value.ports).filter(isRecord).map((port) => ({
    containerPort: port.containerPort,
    ...(typeof port.name === 'string' ? { name: port.name } : {}),
  }));

/** Whether a container declares a port given by number or by name. */
export function declaresPort(container: Container, port: unknown): boolean {
  return containerPorts(container).some((declared) =>
    typeof port === 'string' ? declared.name === port : declared.containerPort === port);
}

/** Pod templates a Service's selector picks, in its namespace. */
export function selectedPods(model: ClusterModel, service: Resource): PodTemplate[] {
  const selector = stringMap(field(service.object, 'spec', 'selector'));
  const namespace = model.namespaceOf(service);
  return model.podTemplates.filter((pod) => pod.namespace === namespace && selects(selector, pod.labels));
}

/** The image's repository (without registry port, tag or digest) and its tag, if any. */
export function parseImage(image: string): { repository: string; tag?: string; digest?: string } {
  const [withoutDigest, digest] = image.split('@', 2) as [string, string | undefined];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    repository: hasTag ? withoutDigest.slice(0, colon) : withoutDigest,
    ...(hasTag ? { tag: withoutDigest.slice(colon + 1) } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** The project's own images are `shopmesh/<service>`. */
export const PROJECT_IMAGE_PREFIX = 'shopmesh/';
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const PROJECT_NAME = 'shopmesh';

/** A pod of ours: labelled part-of shopmesh and running only shopmesh/* images. */
export function isProjectPod(pod: PodTemplate): boolean {
  return pod.labels[PART_OF_LABEL] === PROJECT_NAME && pod.containers.length > 0
    && pod.containers.every((container) => (asString(container.value.image) ?? '').startsWith(PROJECT_IMAGE_PREFIX));
}
