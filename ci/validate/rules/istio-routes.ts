// Where a VirtualService names gateways and destinations: shared by the IST rules.
import type { FieldPath } from '../../lib/manifests.ts';
import { asArray, asRecord, asString, field, isRecord, type Resource } from '../resource.ts';

export interface GatewayReference { name: string; path: FieldPath }
export interface Destination { host: string; subset?: string; port?: number; path: FieldPath }

export function gatewayReferences(virtualService: Resource): GatewayReference[] {
  const references: GatewayReference[] = [];
  asArray(field(virtualService.object, 'spec', 'gateways')).forEach((name, index) => {
    if (typeof name === 'string') references.push({ name, path: ['spec', 'gateways', index] });
  });
  asArray(field(virtualService.object, 'spec', 'http')).forEach((route, routeIndex) => {
    asArray(field(route, 'match')).forEach((match, matchIndex) => {
      asArray(field(match, 'gateways')).forEach((name, index) => {
        if (typeof name === 'string') references.push({ name, path: ['spec', 'http', routeIndex, 'match', matchIndex, 'gateways', index] });
      });
    });
  });
  return references;
}

function destinationAt(value: unknown, path: FieldPath): Destination | undefined {
  if (!isRecord(value)) return undefined;
  const host = asString(value.host);
  if (host === undefined) return undefined;
  const subset = asString(value.subset);
  const port = field(value, 'port', 'number');
  return { host, path, ...(subset !== undefined ? { subset } : {}), ...(typeof port === 'number' ? { port } : {}) };
}

export function destinations(virtualService: Resource): Destination[] {
  const found: Destination[] = [];
  const spec = asRecord(virtualService.object.spec);
  for (const protocol of ['http', 'tcp', 'tls'] as const) {
    asArray(spec[protocol]).forEach((route, routeIndex) => {
      const base = ['spec', protocol, routeIndex];
      asArray(field(route, 'route')).forEach((weighted, index) => {
        const destination = destinationAt(field(weighted, 'destination'), [...base, 'route', index, 'destination']);
        if (destination) found.push(destination);
      });
      const mirror = destinationAt(field(route, 'mirror'), [...base, 'mirror']);
      if (mirror) found.push(mirror);
      asArray(field(route, 'mirrors')).forEach((entry, index) => {
        const destination = destinationAt(field(entry, 'destination'), [...base, 'mirrors', index, 'destination']);
        if (destination) found.push(destination);
      });
    });
  }
  return found;
}

/** Whether a ServiceEntry host (possibly `*.example.com`) covers a host. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  return pattern.startsWith('*') && host.endsWith(pattern.slice(1));
}
