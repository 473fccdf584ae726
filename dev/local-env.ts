// The environment of a workload run as a local process: the manifest's own variables, resolved as
// Kubernetes resolves them (values, `$(VAR)`, Secret keys, pod labels), then every in-cluster
// address rewritten to its local stand-in: stores to the test environment's servers (under the dev
// profile's names), our services to 127.0.0.1 at their dev ports.
import type { V1Container, V1EnvVar } from '@kubernetes/client-node';
import type { DevProfile } from './profile.ts';
import { localPort, type Topology, type Workload } from './routes.ts';
import type { DevSecrets } from './secrets.ts';

/** The local servers standing in for the cluster's stores (the test environment's env file keys). */
export interface LocalServers {
  POSTGRES_URL: string;
  REDIS_URL: string;
  KAFKA_BROKERS: string;
  ELASTICSEARCH_URL: string;
}
export const LOCAL_SERVER_KEYS: readonly (keyof LocalServers)[] = ['POSTGRES_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'ELASTICSEARCH_URL'];

export interface LocalContext {
  topology: Topology;
  profile: DevProfile;
  servers: LocalServers;
  secrets: DevSecrets;
}

type StoreKind = 'postgres' | 'redis' | 'kafka' | 'elasticsearch' | 'zookeeper';

/** Which kind of store an infra workload is, from its image. */
export function storeKind(workload: Workload): StoreKind | undefined {
  const image = workload.container.image ?? '';
  if (/(^|\/)postgres:/.test(image)) return 'postgres';
  if (/(^|\/)redis:/.test(image)) return 'redis';
  if (/kafka/.test(image)) return 'kafka';
  if (/elasticsearch|opensearch/.test(image)) return 'elasticsearch';
  if (/zookeeper/.test(image)) return 'zookeeper';
  return undefined;
}

const REFERENCE = /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g;

/** Variables only there to be spliced into others with `$(NAME)` (the database credentials). */
export function helperVariables(container: V1Container): Set<string> {
  const helpers = new Set<string>();
  for (const variable of container.env ?? []) {
    for (const match of (variable.value ?? '').matchAll(REFERENCE)) helpers.add(match[1]!);
  }
  return helpers;
}

/** The variables a service reads: the container's env names less the `$(NAME)` helpers. */
export function applicationVariables(container: V1Container): string[] {
  const helpers = helperVariables(container);
  return (container.env ?? []).map((v) => v.name).filter((name) => !helpers.has(name));
}

/** The container's variables as the kubelet would set them in the cluster. */
export function clusterEnvironment(
  topology: Topology,
  workload: Workload,
  container: V1Container,
  undefinedSecrets: Readonly<Record<string, string>>,
): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    resolved[variable.name] = resolveVariable(topology, workload, variable, resolved, undefinedSecrets);
  }
  return resolved;
}

function resolveVariable(
  topology: Topology,
  workload: Workload,
  variable: V1EnvVar,
  earlier: Record<string, string>,
  undefinedSecrets: Readonly<Record<string, string>>,
): string {
  const at = `${workload.source}: env ${variable.name}`;
  if (variable.value !== undefined) {
    // Kubernetes leaves `$(NAME)` as it is when NAME is not defined before.
    return variable.value.replace(REFERENCE, (whole, name: string) => earlier[name] ?? whole);
  }
  const secretRef = variable.valueFrom?.secretKeyRef;
  if (secretRef) {
    const secret = topology.secrets.get(secretRef.name ?? '');
    const value = secret ? secret[secretRef.key] : undefinedSecrets[secretRef.key];
    if (value === undefined) throw new Error(`${at}: no value for key ${secretRef.key} of Secret ${secretRef.name}`);
    return value;
  }
  const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
  if (fieldPath !== undefined) {
    const label = /^metadata\.labels\['([^']+)'\]$/.exec(fieldPath);
    if (label) return workload.labels[label[1]!] ?? '';
    if (fieldPath === 'metadata.name') return workload.name;
    throw new Error(`${at}: the dev loop cannot resolve fieldRef ${fieldPath}`);
  }
  throw new Error(`${at}: the dev loop resolves value, secretKeyRef and fieldRef only`);
}

/** The environment of `container` of `workload` run locally against the test environment's servers. */
export function localEnvironment(context: LocalContext, workload: Workload, container: V1Container): Record<string, string> {
  const { topology, profile } = context;
  const cluster = clusterEnvironment(topology, workload, container, context.secrets.values);
  const helpers = helperVariables(container);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(cluster)) {
    if (!helpers.has(name)) env[name] = localAddresses(context, value);
  }
  if ('PORT' in env) env.PORT = String(localPort(topology, workload, profile.portOffset));
  if (profile.logLevel && 'LOG_LEVEL' in env) env.LOG_LEVEL = profile.logLevel;
  env.HOST = '127.0.0.1';
  // Consumers get groups and indexes of their own, so the tests' and the loop's never mix.
  if ('KAFKA_BROKERS' in env) env.KAFKA_GROUP_ID = `${profile.prefix}-${workload.app}`;
  if ('ELASTICSEARCH_URL' in env) env.ELASTICSEARCH_INDEX = `${profile.prefix}-${workload.app}`;
  return env;
}

/** Rewrites each in-cluster address of a value (a URL, or a comma-separated host:port list). */
function localAddresses(context: LocalContext, value: string): string {
  if (value.includes('://')) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return value;
    }
    // The path and query exactly as written (URL would add a trailing slash to a bare origin).
    const rest = value.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
    return localUrl(context, url, rest) ?? value;
  }
  if (!/^[a-z0-9.-]+:\d+(,[a-z0-9.-]+:\d+)*$/.test(value)) return value;
  const hosts = value.split(',').map((hostPort) => {
    const [host] = hostPort.split(':');
    const target = workloadBehind(context.topology, host!);
    if (!target) return hostPort;
    if (target.infra && storeKind(target.workload) === 'kafka') return context.servers.KAFKA_BROKERS;
    if (!target.infra) return `127.0.0.1:${localPort(context.topology, target.workload, context.profile.portOffset)}`;
    throw new Error(`no local stand-in for ${hostPort}`);
  });
  return [...new Set(hosts)].join(',');
}

function localUrl(context: LocalContext, url: URL, rest: string): string | undefined {
  const { topology, profile, servers } = context;
  const target = workloadBehind(topology, url.hostname);
  if (!target) return undefined;
  if (!target.infra) {
    return `${url.protocol}//127.0.0.1:${localPort(topology, target.workload, profile.portOffset)}${rest}`;
  }
  switch (storeKind(target.workload)) {
    case 'postgres': {
      const local = new URL(servers.POSTGRES_URL);
      local.pathname = `/${databaseName(profile, url.pathname.slice(1))}`;
      return local.toString();
    }
    case 'redis': {
      const local = new URL(servers.REDIS_URL);
      local.pathname = `/${profile.redisDb}`;
      return local.toString();
    }
    case 'elasticsearch':
      return servers.ELASTICSEARCH_URL.replace(/\/$/, '') + rest;
    default:
      throw new Error(`no local stand-in for ${url.href}`);
  }
}

/** The loop's name of a cluster database: `auth` → `dev_auth`. */
export function databaseName(profile: DevProfile, clusterName: string): string {
  return `${profile.prefix}_${clusterName.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`;
}

function workloadBehind(topology: Topology, host: string): { workload: Workload; infra: boolean } | undefined {
  const service = topology.services.find((s) => s.name === host);
  if (!service) return undefined;
  const all = [...topology.app.map((w) => ({ workload: w, infra: false })), ...topology.infra.map((w) => ({ workload: w, infra: true }))];
  // The Service's first workload: for product-service-svc that is v1 (internal calls use one version locally).
  const selector = Object.entries(service.selector);
  return all.find((candidate) => selector.length > 0 && selector.every(([k, v]) => candidate.workload.labels[k] === v));
}
