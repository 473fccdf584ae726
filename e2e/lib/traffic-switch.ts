// What a mesh's sidecar does when a VirtualService shifts a service's traffic to another subset:
// an HTTP proxy in front of a service whose destination can be switched at run time, per request
// (kept-alive connections follow the switch). Built on the inner loop's gateway proxy.
import type { AddressInfo } from 'node:net';
import { createGatewayProxy } from '../../dev/proxy.ts';
import type { Route } from '../../dev/routes.ts';

export interface TrafficSwitch {
  /** Where callers send their requests. */
  url: string;
  /** Sends every following request to `target` (a base URL). */
  routeTo(target: string): void;
  close(): Promise<void>;
}

// Port 1 refuses connections: before the first routeTo, callers get the proxy's 502 naming it.
const NOWHERE = 'http://127.0.0.1:1';

/** Listens on a free loopback port; requests go nowhere until `routeTo`. */
export async function startTrafficSwitch(service: string): Promise<TrafficSwitch> {
  let target = NOWHERE;
  const route: Route = {
    name: service,
    prefix: '/',
    rewrite: '/',
    destinations: [{ host: `${service}-svc`, port: 0, weight: 100, workloads: [service] }],
  };
  const server = createGatewayProxy({ routes: [route], upstream: () => target });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    routeTo(next) {
      target = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
