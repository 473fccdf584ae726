// The controller's own endpoints: GET /metrics (Prometheus) and GET /healthz (the loop is alive).
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthSource {
  healthy(withinMs: number): boolean;
}

export function createControllerServer(registry: Registry, health: HealthSource, aliveWithinMs: number): Server {
  return createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET') {
      response.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('only GET is supported\n');
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(error)}\n`),
      );
      return;
    }
    if (path === '/healthz') {
      const ok = health.healthy(aliveWithinMs);
      response
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify(ok ? { status: 'ok' } : { status: 'unhealthy', reason: `no control iteration finished in the last ${aliveWithinMs / 1000}s` }));
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
  });
}
