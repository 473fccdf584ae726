// The gateway of the inner loop: one port (13000, like the cluster's) where each request is routed
// as main-routing-vs routes it — first matching `uri.prefix` (or `uri.exact`), prefix rewritten,
// weighted split between destinations, or the route's own `directResponse` — to a local process or
// a compose container, except the paths the mesh's DENY AuthorizationPolicy keeps from the ingress
// gateway (403). Errors name the upstream.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { createProxyServer } from 'http-proxy-3';
import { isDenied, matchRoute, rewritePath, type Route, type RouteDestination } from './routes.ts';

/** Where the process (or container) of a workload answers, e.g. `http://127.0.0.1:3002`. */
export type UpstreamResolver = (workload: string, destination: RouteDestination) => string;

/** What the gateway did with one proxied request, once its answer is sent (or it failed). */
export interface ProxiedRequest {
  route: Route;
  destination: RouteDestination;
  workload: string;
  statusCode: number;
  durationMs: number;
}

export interface GatewayProxyOptions {
  /** The route table, or a function asked at every request (a table whose weights change while running). */
  routes: readonly Route[] | (() => readonly Route[]);
  upstream: UpstreamResolver;
  /** Deadline for an upstream's answer when the route sets no `timeout` (then 504). */
  defaultTimeoutMs?: number;
  /** For the weighted split; tests pass a fixed sequence. */
  random?: () => number;
  /** One line per request; silent when absent. */
  log?: (line: string) => void;
  /** Called for every proxied request when its answer is complete (the lab's live loop counts them as Envoy does). */
  onProxied?: (request: ProxiedRequest) => void;
}

interface Upstream {
  route: Route;
  destination: RouteDestination;
  workload: string;
  target: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const UPSTREAM_HEADER = 'x-shopmesh-upstream';

class UpstreamTimeoutError extends Error {
  readonly code = 'UPSTREAM_TIMEOUT';
}

export function createGatewayProxy(options: GatewayProxyOptions): Server {
  const random = options.random ?? Math.random;
  const routesNow = typeof options.routes === 'function' ? options.routes : () => options.routes as readonly Route[];
  // Keyed by route and destination position: a table rebuilt with new weights keeps its rotation.
  const roundRobin = new Map<string, number>();
  const proxy = createProxyServer({ xfwd: true, ws: true });
  const chosen = new WeakMap<IncomingMessage, Upstream>();

  const pick = (route: Route): Upstream => {
    const total = route.destinations.reduce((sum, d) => sum + d.weight, 0);
    let ticket = random() * total;
    const destination = route.destinations.find((d) => (ticket -= d.weight) < 0) ?? route.destinations[route.destinations.length - 1]!;
    const key = `${route.name}#${route.destinations.indexOf(destination)}`;
    const turn = roundRobin.get(key) ?? 0;
    roundRobin.set(key, turn + 1);
    const workload = destination.workloads[turn % destination.workloads.length]!;
    return { route, destination, workload, target: options.upstream(workload, destination) };
  };

  // Our own deadline, so that a slow upstream is told apart from a broken one (504 vs 502).
  proxy.on('proxyReq', (proxyReq, req) => {
    const upstream = chosen.get(req);
    const timeoutMs = upstream?.route.timeoutMs ?? options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    proxyReq.setTimeout(timeoutMs, () =>
      proxyReq.destroy(new UpstreamTimeoutError(`no answer within ${timeoutMs} ms`)),
    );
  });
  const answered = new WeakSet<IncomingMessage>();
  proxy.on('proxyRes', (proxyRes, req) => {
    answered.add(req);
    const upstream = chosen.get(req);
    if (upstream) proxyRes.headers[UPSTREAM_HEADER] = upstream.workload;
    // Hop-by-hop: the upstream closing its connection to us says nothing about the client's.
    delete proxyRes.headers.connection;
    delete proxyRes.headers['keep-alive'];
    // An upstream may answer before the body is all sent (a 413): read and drop the rest, so the
    // client's connection stays usable for its next request.
    if (!req.complete) req.resume();
  });

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    const originalUrl = req.url ?? '/';
    const routes = routesNow();
    const route = matchRoute(routes, originalUrl, req.method);
    if (!route) {
      const prefixes = [...new Set(routes.map((r) => r.prefix))].join(', ');
      sendError(res, 404, 'no_route', `no route matches ${originalUrl.split('?')[0]}; the gateway routes ${prefixes}`);
      options.log?.(`${req.method} ${originalUrl} -> no route 404`);
      return;
    }
    if (route.directResponse) {
      const { status, body } = route.directResponse;
      res.writeHead(status, body.startsWith('{') ? { 'content-type': 'application/json; charset=utf-8' } : {});
      res.end(body);
      options.log?.(`${req.method} ${originalUrl} -> ${route.name} direct ${status}`);
      return;
    }
    const rewritten = rewritePath(route, originalUrl);
    if (isDenied(route, rewritten)) {
      // The mesh's DENY AuthorizationPolicy for the ingress identity answers 403 here too.
      sendError(res, 403, 'forbidden', `${originalUrl.split('?')[0]} is not reachable through the gateway`);
      options.log?.(`${req.method} ${originalUrl} -> denied 403`);
      return;
    }
    const upstream = pick(route);
    chosen.set(req, upstream);
    req.url = rewritten;
    res.on('finish', () => {
      const durationMs = performance.now() - started;
      options.onProxied?.({ route, destination: upstream.destination, workload: upstream.workload, statusCode: res.statusCode, durationMs });
      options.log?.(`${req.method} ${originalUrl} -> ${upstream.workload} ${req.url} ${res.statusCode} ${Math.round(durationMs)}ms`);
    });
    proxy.web(req, res, { target: upstream.target }, (error) => {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      const name = `${upstream.workload} (${upstream.target}${req.url})`;
      // The upstream answered early and closed while the body was still being sent: that write
      // failing is expected, and the answer is already on its way to the client.
      if (answered.has(req) && (code === 'EPIPE' || code === 'ECONNRESET')) return;
      if (res.headersSent) {
        res.destroy(error);
      } else if (error instanceof UpstreamTimeoutError) {
        sendError(res, 504, 'upstream_timeout', `upstream ${name} gave no answer in time: ${error.message}`);
      } else {
        const why = code === 'ECONNREFUSED' ? 'refused the connection (not running, or still starting?)' : `failed: ${code || error.message}`;
        sendError(res, 502, 'upstream_unreachable', `upstream ${name} ${why}`);
      }
    });
  };

  const server = createServer(handle);
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const route = matchRoute(routesNow(), req.url ?? '/');
    if (!route || route.directResponse || isDenied(route, rewritePath(route, req.url ?? '/'))) return void socket.destroy();
    const upstream = pick(route);
    req.url = rewritePath(route, req.url ?? '/');
    proxy.ws(req, socket, head, { target: upstream.target }, () => socket.destroy());
  });
  server.on('close', () => proxy.close());
  return server;
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: { code, message } }));
}

/**
 * `node --import tsx dev/proxy.ts`: DEV_UPSTREAMS=local (processes on 127.0.0.1 at their dev
 * ports, shifted by SHOPMESH_DEV_PORT_OFFSET) or compose (containers by workload name).
 */
async function main(): Promise<void> {
  const { loadTopology, localPort } = await import('./routes.ts');
  const root = new URL('..', import.meta.url).pathname;
  const topology = await loadTopology(root);
  const mode = process.env.DEV_UPSTREAMS ?? 'local';
  const offset = Number(process.env.SHOPMESH_DEV_PORT_OFFSET ?? 0);
  const port = Number(process.env.SHOPMESH_DEV_PROXY_PORT ?? 13000);
  const host = process.env.SHOPMESH_DEV_PROXY_HOST ?? (mode === 'compose' ? '0.0.0.0' : '127.0.0.1');
  const byName = new Map(topology.app.map((w) => [w.name, w]));
  const upstream: UpstreamResolver = (name) => {
    const workload = byName.get(name)!;
    return mode === 'compose' ? `http://${name}:${workload.port}` : `http://127.0.0.1:${localPort(topology, workload, offset)}`;
  };
  const server = createGatewayProxy({ routes: topology.routes, upstream, log: (line) => console.log(line) });
  server.listen(port, host, () => {
    console.log(`gateway on http://${host}:${port} (${mode} upstreams)`);
    for (const route of topology.routes) {
      const targets = route.destinations.map((d) => `${d.workloads.map((w) => upstream(w, d)).join('+')} (${d.weight}%)`);
      if (route.directResponse) console.log(`  ${route.prefix} -> answered ${route.directResponse.status} by the gateway`);
      else console.log(`  ${route.prefix} -> ${route.rewrite} ${targets.join(', ')}`);
    }
  });
  const stop = (): void => void server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
