// The inner loop's single source of truth: workloads, ports and the gateway's route table, read
// from the Kubernetes manifests (k8s/app-manifests.yaml, k8s/infra-manifests.yaml and
// k8s/istio/*.yaml) so that the dev proxy, the process runner and the compose check never keep a
// second copy of them.
import { join } from 'node:path';
import type { V1Container, V1Deployment, V1Secret, V1Service } from '@kubernetes/client-node';
import { loadManifests, type LoadedManifest } from '../ci/lib/manifests.ts';

/** One Deployment: a process of the dev loop (or a compose service), named like the Deployment. */
export interface Workload {
  /** The Deployment's name without `-deployment`: `auth-service`, `product-service-v2`, `auth-db`. */
  name: string;
  /** The pods' `app` label: the service (`product-service`) or store (`auth-db`). */
  app: string;
  /** The pods' `version` label (v1/v2 for our services). */
  version: string;
  /** The pods' labels, matched by Service selectors and DestinationRule subsets. */
  labels: Readonly<Record<string, string>>;
  /** The first container (the workload's own process). */
  container: V1Container;
  /** Init containers, run to completion before the container (schema migrations). */
  initContainers: V1Container[];
  /** The container port named `http` or the first one. */
  port: number;
  /** Where it is declared, for messages. */
  source: string;
}

export interface ClusterService {
  name: string;
  selector: Readonly<Record<string, string>>;
  ports: { name: string; port: number }[];
}

export interface RouteDestination {
  /** The VirtualService's destination host: a Service name (`product-service-svc`). */
  host: string;
  port: number;
  subset?: string;
  /** Share of the route's traffic, 0..100 (100 when there is one destination without weight). */
  weight: number;
  /** The workloads behind this destination (the Service's pods, narrowed by the subset). */
  workloads: string[];
}

export interface Route {
  name: string;
  /** The matched `uri.prefix` (`/auth/`). */
  prefix: string;
  /** Paths matched exactly (`uri.exact`, e.g. `/auth` without its slash), rewritten like the prefix. */
  exact?: string[];
  /** Only these methods (`method.exact`), when the route names them (the non-idempotent POST routes). */
  methods?: string[];
  /**
   * Paths (after the rewrite) that the ingress gateway may not reach on this route's workloads: the
   * DENY AuthorizationPolicies for the ingress identity (`/metrics`, `/readyz`, `/healthz`).
   */
  denied?: PathPattern[];
  /** What the prefix is rewritten to (`/`). */
  rewrite: string;
  /** Upstream answer deadline (the route's `timeout`), if the route sets one. */
  timeoutMs?: number;
  /** Empty when the route answers by itself (`directResponse`). */
  destinations: RouteDestination[];
  /** The gateway's own answer (`directResponse`): such a route reaches no service. */
  directResponse?: { status: number; body: string };
}

/** An AuthorizationPolicy path: exact, `prefix*`, `*suffix` or `*`. */
export type PathPattern = string;

/** The ingress gateway's mesh identity, as AuthorizationPolicies name it. */
export const INGRESS_PRINCIPAL = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';

export interface Topology {
  /** Our services' workloads (app-manifests.yaml), in file order. */
  app: Workload[];
  /** Third-party stores (infra-manifests.yaml), in file order. */
  infra: Workload[];
  services: ClusterService[];
  /** Secrets' plain values by Secret name (stringData, else decoded data). */
  secrets: ReadonlyMap<string, Readonly<Record<string, string>>>;
  routes: Route[];
}

export const MANIFEST_PATHS = {
  app: 'k8s/app-manifests.yaml',
  infra: 'k8s/infra-manifests.yaml',
  istio: 'k8s/istio',
} as const;

/** Reads the manifests under `root` and builds the topology; a manifest the loop cannot use throws naming it. */
export async function loadTopology(root: string): Promise<Topology> {
  const [app, infra, istio] = await Promise.all([
    loadManifests([join(root, MANIFEST_PATHS.app)]),
    loadManifests([join(root, MANIFEST_PATHS.infra)]),
    loadManifests([join(root, MANIFEST_PATHS.istio)]),
  ]);
  return buildTopology({ app, infra, istio });
}

export function buildTopology(manifests: { app: LoadedManifest[]; infra: LoadedManifest[]; istio: LoadedManifest[] }): Topology {
  const all = [...manifests.app, ...manifests.infra];
  const appWorkloads = manifests.app.filter(isKind('Deployment')).map(toWorkload);
  const services = all.filter(isKind('Service')).map((m) => toClusterService(m.object as V1Service));
  const secrets = new Map(all.filter(isKind('Secret')).map((m) => secretValues(m.object as V1Secret)));
  const subsets = destinationRuleSubsets(manifests.istio);
  const denials = ingressDenials(manifests.istio);
  const routes = manifests.istio
    .filter(isKind('VirtualService'))
    .filter(boundToGateway)
    .flatMap((m) => toRoutes(m, { services, workloads: appWorkloads, subsets, denials }));
  return {
    app: appWorkloads,
    infra: manifests.infra.filter(isKind('Deployment')).map(toWorkload),
    services,
    secrets,
    routes,
  };
}

const isKind =
  (kind: string) =>
  (manifest: LoadedManifest): boolean =>
    manifest.object.kind === kind;

/** The gateway's routes only: a VirtualService bound to the `mesh` alone steers calls between services. */
const boundToGateway = (manifest: LoadedManifest): boolean =>
  ((manifest.object.spec as { gateways?: unknown[] } | undefined)?.gateways ?? []).some((gateway) => gateway !== 'mesh');

const where = (manifest: LoadedManifest): string =>
  `${manifest.file}:${manifest.line}: ${String(manifest.object.kind)} ${String((manifest.object.metadata as { name?: unknown } | undefined)?.name)}`;

function toWorkload(manifest: LoadedManifest): Workload {
  const deployment = manifest.object as V1Deployment;
  const name = deployment.metadata?.name ?? '';
  const labels = deployment.spec?.template.metadata?.labels ?? {};
  const container = deployment.spec?.template.spec?.containers[0];
  if (!name.endsWith('-deployment')) throw new Error(`${where(manifest)}: a Deployment's name must end with -deployment`);
  if (!container) throw new Error(`${where(manifest)}: no container`);
  if (!labels.app) throw new Error(`${where(manifest)}: the pod template has no app label`);
  const ports = container.ports ?? [];
  const port = (ports.find((p) => p.name === 'http') ?? ports[0])?.containerPort;
  if (port === undefined) throw new Error(`${where(manifest)}: container ${container.name} declares no port`);
  return {
    name: name.slice(0, -'-deployment'.length),
    app: labels.app,
    version: labels.version ?? 'v1',
    labels,
    container,
    initContainers: deployment.spec?.template.spec?.initContainers ?? [],
    port,
    source: where(manifest),
  };
}

function toClusterService(service: V1Service): ClusterService {
  return {
    name: service.metadata?.name ?? '',
    selector: service.spec?.selector ?? {},
    ports: (service.spec?.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port })),
  };
}

function secretValues(secret: V1Secret): [string, Record<string, string>] {
  const decoded = Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]),
  );
  return [secret.metadata?.name ?? '', { ...decoded, ...(secret.stringData ?? {}) }];
}

/** `host/subset` → the labels that subset selects. */
function destinationRuleSubsets(istio: LoadedManifest[]): Map<string, Record<string, string>> {
  const subsets = new Map<string, Record<string, string>>();
  for (const manifest of istio.filter(isKind('DestinationRule'))) {
    const spec = manifest.object.spec as { host?: string; subsets?: { name: string; labels?: Record<string, string> }[] };
    for (const subset of spec.subsets ?? []) subsets.set(`${spec.host}/${subset.name}`, subset.labels ?? {});
  }
  return subsets;
}

const matches = (labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>>): boolean =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

interface IngressDenial {
  /** The policy's workload selector (empty: every workload of the namespace). */
  selector: Record<string, string>;
  paths: PathPattern[];
}

interface AuthorizationRule {
  from?: { source?: { principals?: string[]; notPrincipals?: string[] } }[];
  to?: { operation?: { paths?: string[]; methods?: string[] } }[];
}

/**
 * The DENY AuthorizationPolicies' rules that apply to the ingress gateway's requests: a rule whose
 * `from` names the ingress principal, and whose `to` lists paths (for every method).
 */
function ingressDenials(istio: LoadedManifest[]): IngressDenial[] {
  const denials: IngressDenial[] = [];
  for (const manifest of istio.filter(isKind('AuthorizationPolicy'))) {
    const spec = (manifest.object.spec ?? {}) as { action?: string; selector?: { matchLabels?: Record<string, string> }; rules?: AuthorizationRule[] };
    if (spec.action !== 'DENY') continue;
    for (const rule of spec.rules ?? []) {
      const fromIngress = (rule.from ?? []).some((f) => f.source?.principals?.includes(INGRESS_PRINCIPAL));
      if (!fromIngress) continue;
      const operations = (rule.to ?? []).map((t) => t.operation ?? {});
      if (operations.some((o) => o.methods?.length)) {
        throw new Error(`${where(manifest)}: the dev gateway reproduces DENY rules on paths only (no methods)`);
      }
      denials.push({ selector: spec.selector?.matchLabels ?? {}, paths: operations.flatMap((o) => o.paths ?? []) });
    }
  }
  return denials;
}

/** Istio's path patterns: exact, `prefix*`, `*suffix`, or `*`. */
export function pathMatches(pattern: PathPattern, path: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return path.endsWith(pattern.slice(1));
  return path === pattern;
}

interface IstioHttpRoute {
  name?: string;
  match?: { uri?: { prefix?: string; exact?: string; regex?: string }; method?: { exact?: string } }[];
  rewrite?: { uri?: string };
  timeout?: string;
  route?: { destination: { host: string; subset?: string; port?: { number?: number } }; weight?: number }[];
  directResponse?: { status: number; body?: { string?: string } };
}

function toRoutes(
  manifest: LoadedManifest,
  context: { services: ClusterService[]; workloads: Workload[]; subsets: Map<string, Record<string, string>>; denials: IngressDenial[] },
): Route[] {
  const http = ((manifest.object.spec as { http?: IstioHttpRoute[] } | undefined)?.http ?? []);
  return http.map((entry, index) => {
    const at = `${where(manifest)} http[${index}]`;
    const uris = (entry.match ?? []).map((m) => m.uri ?? {});
    const prefixes = uris.flatMap((u) => (u.prefix !== undefined ? [u.prefix] : []));
    const exact = uris.flatMap((u) => (u.exact !== undefined ? [u.exact] : []));
    const prefix = prefixes[0];
    if (prefixes.length !== 1 || prefix === undefined || prefixes.length + exact.length !== uris.length) {
      throw new Error(`${at}: the dev proxy reproduces one uri.prefix match per route, plus uri.exact matches`);
    }
    const methodSets = new Set((entry.match ?? []).map((m) => m.method?.exact ?? ''));
    if (methodSets.size !== 1) throw new Error(`${at}: every match of a route must name the same method (or none)`);
    const method = [...methodSets][0];
    const destinations = (entry.route ?? []).map((target, targetIndex): RouteDestination => {
      const { host, subset } = target.destination;
      const service = context.services.find((s) => s.name === host);
      if (!service) throw new Error(`${at}.route[${targetIndex}]: no Service named ${host}`);
      const port = target.destination.port?.number ?? service.ports[0]?.port;
      if (port === undefined || !service.ports.some((p) => p.port === port)) {
        throw new Error(`${at}.route[${targetIndex}]: Service ${host} has no port ${port}`);
      }
      let selector = service.selector;
      if (subset !== undefined) {
        const subsetLabels = context.subsets.get(`${host}/${subset}`);
        if (!subsetLabels) throw new Error(`${at}.route[${targetIndex}]: no DestinationRule subset ${subset} for ${host}`);
        selector = { ...selector, ...subsetLabels };
      }
      const workloads = context.workloads.filter((w) => matches(w.labels, selector)).map((w) => w.name);
      if (workloads.length === 0) throw new Error(`${at}.route[${targetIndex}]: no Deployment's pods match ${host}${subset ? ` subset ${subset}` : ''}`);
      return { host, port, ...(subset !== undefined ? { subset } : {}), weight: target.weight ?? 100, workloads };
    });
    if (entry.directResponse) {
      if (destinations.length > 0) throw new Error(`${at}: a route has either destinations or a directResponse`);
      return {
        name: entry.name ?? prefix,
        prefix,
        rewrite: prefix,
        destinations,
        directResponse: { status: entry.directResponse.status, body: entry.directResponse.body?.string ?? '' },
      };
    }
    if (destinations.length === 0) throw new Error(`${at}: no route destination`);
    const timeoutMs = entry.timeout === undefined ? undefined : parseDuration(entry.timeout, at);
    // A denial applies when its selector takes in every workload the route may reach.
    const reached = context.workloads.filter((w) => destinations.some((d) => d.workloads.includes(w.name)));
    const denied = context.denials.filter((d) => reached.every((w) => matches(w.labels, d.selector))).flatMap((d) => d.paths);
    return {
      name: entry.name ?? prefix,
      prefix,
      exact,
      ...(method ? { methods: [method] } : {}),
      denied,
      rewrite: entry.rewrite?.uri ?? prefix,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      destinations,
    };
  });
}

/** Istio durations: `1.5s`, `300ms`, `1m`, `1h`. */
function parseDuration(text: string, at: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!match) throw new Error(`${at}: timeout ${JSON.stringify(text)} is not a duration like 5s`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}

const pathOf = (url: string): string => url.split('?')[0] ?? url;

/**
 * The route with a prefix or an exact path matching `url`, and the method when the route names
 * one (first in order, as Istio evaluates them; the query is not part of the path).
 */
export function matchRoute(routes: readonly Route[], url: string, method = 'GET'): Route | undefined {
  const path = pathOf(url);
  return routes.find(
    (route) =>
      (!route.methods || route.methods.includes(method.toUpperCase())) &&
      (path.startsWith(route.prefix) || (route.exact ?? []).includes(path)),
  );
}

/** `url` as the upstream sees it: the matched prefix (or exact path) replaced by the rewrite (query kept). */
export function rewritePath(route: Route, url: string): string {
  const path = pathOf(url);
  const matched = path.startsWith(route.prefix) ? route.prefix : path;
  return route.rewrite + url.slice(matched.length);
}

/** Whether the ingress gateway is denied the (rewritten) `url` on this route. */
export function isDenied(route: Route, rewrittenUrl: string): boolean {
  const path = pathOf(rewrittenUrl);
  return (route.denied ?? []).some((pattern) => pathMatches(pattern, path));
}

/** The Service that selects a workload's pods (its in-cluster name, e.g. `auth-service-svc`). */
export function serviceOf(topology: Topology, workload: Workload): ClusterService | undefined {
  return topology.services.find((s) => Object.keys(s.selector).length > 0 && matches(workload.labels, s.selector));
}

/**
 * Where a workload listens when it runs as a local process: its port, shifted by `offset`; a
 * second version of the same service (product-service-v2) takes port + 100 so both can run.
 */
export function localPort(topology: Topology, workload: Workload, offset = 0): number {
  const siblings = topology.app.filter((w) => w.app === workload.app);
  const rank = Math.max(0, siblings.findIndex((w) => w.name === workload.name));
  return workload.port + offset + 100 * rank;
}
