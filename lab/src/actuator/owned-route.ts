// The one route of a VirtualService the controller owns: found and checked before any patch
// (right name, destinations on the expected host, exactly the expected subsets), and the JSON
// patch that changes only its weights, guarded by `test` operations.
import type { Weights } from '../core/weights.ts';

export interface OwnedRouteRef {
  readonly namespace: string;
  readonly virtualService: string;
  /** `name` of the http route, e.g. product-service. */
  readonly route: string;
  /** Destination host, e.g. product-service-svc (its FQDN forms are accepted). */
  readonly host: string;
  readonly subsets: readonly string[];
}

export interface RouteSnapshot {
  readonly uid: string;
  readonly resourceVersion: string;
  readonly routeIndex: number;
  /** Index of each subset's destination in the route. */
  readonly destinationIndex: Readonly<Record<string, number>>;
  readonly weights: Weights;
}

export class OwnedRouteError extends Error {}

export type JsonPatchOperation =
  | { readonly op: 'test'; readonly path: string; readonly value: unknown }
  | { readonly op: 'add' | 'replace'; readonly path: string; readonly value: unknown };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function hostMatches(host: unknown, ref: OwnedRouteRef): boolean {
  if (typeof host !== 'string') return false;
  const forms = [ref.host, `${ref.host}.${ref.namespace}`, `${ref.host}.${ref.namespace}.svc`, `${ref.host}.${ref.namespace}.svc.cluster.local`];
  return forms.includes(host);
}

/** Checks the VirtualService and returns the owned route's position and weights; throws OwnedRouteError saying what is wrong. */
export function findOwnedRoute(virtualService: unknown, ref: OwnedRouteRef): RouteSnapshot {
  const where = `VirtualService ${ref.namespace}/${ref.virtualService}`;
  if (!isRecord(virtualService) || !isRecord(virtualService.metadata) || !isRecord(virtualService.spec)) {
    throw new OwnedRouteError(`${where}: not a VirtualService object (no metadata or spec)`);
  }
  const { metadata, spec } = virtualService;
  if (typeof metadata.resourceVersion !== 'string' || typeof metadata.uid !== 'string') {
    throw new OwnedRouteError(`${where}: metadata.resourceVersion and metadata.uid are required`);
  }
  if (!Array.isArray(spec.http)) throw new OwnedRouteError(`${where}: spec.http is missing; expected an http route named '${ref.route}'`);
  const names = spec.http.map((route) => (isRecord(route) ? route.name : undefined));
  const indices = names.flatMap((name, i) => (name === ref.route ? [i] : []));
  if (indices.length === 0) {
    throw new OwnedRouteError(`${where}: no http route named '${ref.route}' (routes: ${names.map((n) => (typeof n === 'string' ? n : '<unnamed>')).join(', ') || 'none'}); name the route to let the controller own it`);
  }
  if (indices.length > 1) throw new OwnedRouteError(`${where}: ${indices.length} http routes are named '${ref.route}'; route names must be unique`);
  const routeIndex = indices[0] as number;
  const route = spec.http[routeIndex] as Record<string, unknown>;
  const path = `spec.http[${routeIndex}]`;
  const destinations: unknown = route.route;
  if (!Array.isArray(destinations) || destinations.length === 0) throw new OwnedRouteError(`${where}: ${path}.route has no destinations`);
  const destinationIndex: Record<string, number> = {};
  const weights: Record<string, number> = {};
  destinations.forEach((entry: unknown, j: number) => {
    const destination = isRecord(entry) && isRecord(entry.destination) ? entry.destination : undefined;
    if (!destination || !hostMatches(destination.host, ref)) {
      throw new OwnedRouteError(`${where}: ${path}.route[${j}].destination.host is ${JSON.stringify(destination?.host)}, expected ${ref.host}`);
    }
    const subset = destination.subset;
    if (typeof subset !== 'string' || !ref.subsets.includes(subset)) {
      throw new OwnedRouteError(`${where}: ${path}.route[${j}].destination.subset is ${JSON.stringify(subset)}, expected one of ${ref.subsets.join(', ')}`);
    }
    if (subset in destinationIndex) throw new OwnedRouteError(`${where}: ${path}.route has subset ${subset} twice`);
    destinationIndex[subset] = j;
    const weight = (entry as Record<string, unknown>).weight;
    weights[subset] = typeof weight === 'number' ? weight : destinations.length === 1 ? 100 : 0;
  });
  const missing = ref.subsets.filter((subset) => !(subset in destinationIndex));
  if (missing.length > 0) throw new OwnedRouteError(`${where}: ${path}.route has no destination for subset(s) ${missing.join(', ')}`);
  return { uid: metadata.uid, resourceVersion: metadata.resourceVersion, routeIndex, destinationIndex, weights };
}

/**
 * A JSON patch that sets the owned route's weights only, and fails (instead of writing) if the
 * object changed since `snapshot` was read or the route is no longer where it was.
 */
export function weightPatch(snapshot: RouteSnapshot, ref: OwnedRouteRef, weights: Weights): JsonPatchOperation[] {
  const route = `/spec/http/${snapshot.routeIndex}`;
  const operations: JsonPatchOperation[] = [
    { op: 'test', path: '/metadata/resourceVersion', value: snapshot.resourceVersion },
    { op: 'test', path: `${route}/name`, value: ref.route },
  ];
  for (const subset of ref.subsets) {
    const weight = weights[subset];
    if (weight === undefined || !Number.isInteger(weight) || weight < 0 || weight > 100) {
      throw new OwnedRouteError(`refusing to write weight ${String(weight)} for subset ${subset}: weights must be integers in 0..100`);
    }
    const destination = `${route}/route/${snapshot.destinationIndex[subset]}`;
    operations.push({ op: 'test', path: `${destination}/destination/subset`, value: subset });
    operations.push({ op: 'add', path: `${destination}/weight`, value: weight });
  }
  const total = ref.subsets.reduce((sum, subset) => sum + (weights[subset] as number), 0);
  if (total !== 100) throw new OwnedRouteError(`refusing to write weights summing to ${total}: they must sum to 100`);
  return operations;
}
