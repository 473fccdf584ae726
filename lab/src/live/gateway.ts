// The live loop's gateway: the inner loop's gateway (dev/proxy.ts) on the route named
// `product-service` of k8s/istio/virtual-service.yaml, splitting traffic by the weights that
// route has in the real kube-apiserver (read again every second: the controller patches them),
// and exporting Istio's metrics for every request it proxies on a port of its own, which it
// registers with the test environment's Prometheus (file_sd) and removes at stop().
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { createGatewayProxy } from '../../../dev/proxy.ts';
import type { Route } from '../../../dev/routes.ts';
import type { OwnedRouteRef } from '../actuator/owned-route.ts';
import type { Weights } from '../core/weights.ts';
import { undoOnInterrupt } from './cleanup.ts';
import { IstioMetrics } from './istio-metrics.ts';
import { RouteWeightsWatcher } from './route-weights.ts';

export interface LiveGatewayOptions {
  /** The route named ref.route, as dev/routes.ts reads it from the manifests. */
  readonly route: Route;
  readonly ref: OwnedRouteRef;
  readonly kubeConfig: KubeConfig;
  /** Where each subset's process answers, e.g. { v1: 'http://127.0.0.1:40123' }. */
  readonly upstreams: Readonly<Record<string, string>>;
  /** Prometheus's file_sd directory. */
  readonly targetsDir: string;
  /** Seconds between scrapes of the target (Istio's addon: 15, with a 10 s timeout); the server's own when left out. */
  readonly scrapeIntervalSeconds?: number;
  readonly weightsPollMs?: number;
}

export interface WeightChange {
  /** Milliseconds (performance.now()) when the gateway started splitting by these weights. */
  readonly atMs: number;
  readonly weights: Weights;
}

const listen = async (server: Server): Promise<number> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};
const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

export class LiveGateway {
  readonly metrics = new IstioMetrics();
  /** Every weight change the gateway applied, in order (the first is the route's at start). */
  readonly weightChanges: WeightChange[] = [];
  url = '';
  metricsUrl = '';
  targetFile = '';
  private table: readonly Route[] = [];
  private readonly watcher: RouteWeightsWatcher;
  private readonly proxy: Server;
  private readonly metricsServer: Server;
  private forget: (() => void) | undefined;

  constructor(private readonly options: LiveGatewayOptions) {
    const { route, ref } = options;
    const missing = ref.subsets.filter((s) => !route.destinations.some((d) => d.subset === s) || !options.upstreams[s]);
    if (missing.length > 0) throw new Error(`route ${route.name}: no destination or no upstream for subset(s) ${missing.join(', ')}`);
    this.watcher = new RouteWeightsWatcher(options.kubeConfig, ref, options.weightsPollMs ?? 1000, (weights) => this.apply(weights));
    this.proxy = createGatewayProxy({
      routes: () => this.table,
      upstream: (_workload, destination) => options.upstreams[destination.subset ?? ''] ?? 'http://127.0.0.1:9',
      onProxied: (r) =>
        this.metrics.record({
          workload: `${r.workload}-deployment`,
          app: r.workload.replace(/-v\d+$/, ''),
          version: r.destination.subset ?? 'unknown',
          namespace: ref.namespace,
          service: r.destination.host,
          responseCode: r.statusCode,
          durationMs: r.durationMs,
        }),
    });
    this.metricsServer = createServer((request, response) => {
      if (request.url?.split('?')[0] !== '/metrics') return void response.writeHead(404).end();
      this.metrics.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    });
  }

  private apply(weights: Weights): void {
    const { route } = this.options;
    this.table = [{ ...route, destinations: route.destinations.map((d) => ({ ...d, weight: weights[d.subset ?? ''] ?? 0 })) }];
    this.weightChanges.push({ atMs: performance.now(), weights });
  }

  get weights(): Weights | undefined {
    return this.watcher.weights;
  }

  async start(): Promise<void> {
    await this.watcher.start();
    this.url = `http://127.0.0.1:${await listen(this.proxy)}`;
    const metricsPort = await listen(this.metricsServer);
    this.metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const { targetsDir, ref, scrapeIntervalSeconds } = this.options;
    this.forget = undoOnInterrupt(() => this.stop());
    mkdirSync(targetsDir, { recursive: true });
    this.targetFile = join(targetsDir, `${ref.namespace}-gateway.json`);
    // Istio's addon scrapes with a 10 s timeout (the test server's own is its 1 s interval).
    const timing: Record<string, string> = scrapeIntervalSeconds
      ? { __scrape_interval__: `${scrapeIntervalSeconds}s`, __scrape_timeout__: `${Math.min(10, scrapeIntervalSeconds)}s` }
      : {};
    const labels: Record<string, string> = { lab_live: ref.namespace, ...timing };
    // Written whole and renamed: Prometheus never reads half a file.
    writeFileSync(`${this.targetFile}.tmp`, JSON.stringify([{ targets: [`127.0.0.1:${metricsPort}`], labels }]));
    renameSync(`${this.targetFile}.tmp`, this.targetFile);
  }

  async stop(): Promise<void> {
    this.forget?.();
    this.watcher.stop();
    if (this.targetFile) rmSync(this.targetFile, { force: true });
    this.proxy.closeAllConnections();
    await Promise.all([close(this.proxy), close(this.metricsServer)]);
  }
}
