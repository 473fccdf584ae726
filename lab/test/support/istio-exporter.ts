// Stand-in for Envoy's data plane at the network boundary (Istio's sidecars cannot run here):
// an HTTP server exposing Istio's standard metrics for product-service v1 and v2 with set
// request rates, latencies and error rates. Counters advance with wall time between scrapes,
// so the real Prometheus computes rates and histograms as it would from Envoy.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ISTIO_DURATION_BUCKETS_MS } from '../../src/core/observations.ts';

export interface VersionBehaviour {
  ratePerSecond: number;
  latencyMs: number;
  /** Fraction (0..1) of requests answered 503 in 1 ms. */
  errorRate: number;
}

interface Series {
  count: number;
  sum: number;
  buckets: number[];
}

const newSeries = (): Series => ({ count: 0, sum: 0, buckets: ISTIO_DURATION_BUCKETS_MS.map(() => 0) });

export class FakeIstioExporter {
  private readonly series = new Map<string, Series>();
  private lastAdvance = Date.now();
  private server: Server | undefined;
  private targetFile: string | undefined;
  scrapes = 0;

  constructor(
    readonly namespace: string,
    private readonly behaviour: Record<string, VersionBehaviour>,
  ) {}

  set(version: string, change: Partial<VersionBehaviour>): void {
    this.advance();
    const current = this.behaviour[version];
    if (!current) throw new Error(`unknown version ${version}`);
    Object.assign(current, change);
  }

  private advance(): void {
    const now = Date.now();
    const seconds = (now - this.lastAdvance) / 1000;
    this.lastAdvance = now;
    for (const [version, b] of Object.entries(this.behaviour)) {
      const requests = b.ratePerSecond * seconds;
      this.add(version, '200', requests * (1 - b.errorRate), b.latencyMs);
      this.add(version, '503', requests * b.errorRate, 1);
    }
  }

  private add(version: string, code: string, requests: number, latencyMs: number): void {
    const key = `${version}|${code}`;
    const series = this.series.get(key) ?? newSeries();
    this.series.set(key, series);
    series.count += requests;
    series.sum += requests * latencyMs;
    ISTIO_DURATION_BUCKETS_MS.forEach((le, i) => {
      if (latencyMs <= le) series.buckets[i] = (series.buckets[i] as number) + requests;
    });
  }

  private labels(version: string, code: string, reporter = 'destination'): string {
    return [
      `reporter="${reporter}"`,
      `source_workload="istio-ingressgateway"`,
      `destination_workload="product-service-${version}-deployment"`,
      `destination_workload_namespace="${this.namespace}"`,
      `destination_service="product-service-svc.${this.namespace}.svc.cluster.local"`,
      `destination_version="${version}"`,
      `response_code="${code}"`,
      `response_flags="-"`,
    ].join(',');
  }

  /** Prometheus text exposition of the current counters. */
  render(): string {
    this.advance();
    const lines = ['# TYPE istio_requests_total counter'];
    const entries = [...this.series.entries()].map(([key, s]) => ({ version: key.split('|')[0] as string, code: key.split('|')[1] as string, s }));
    for (const { version, code, s } of entries) {
      lines.push(`istio_requests_total{${this.labels(version, code)}} ${s.count}`);
      // The client side reports too; the controller must only count reporter="destination".
      lines.push(`istio_requests_total{${this.labels(version, code, 'source')}} ${s.count * 7}`);
    }
    lines.push('# TYPE istio_request_duration_milliseconds histogram');
    for (const { version, code, s } of entries) {
      const labels = this.labels(version, code);
      ISTIO_DURATION_BUCKETS_MS.forEach((le, i) => lines.push(`istio_request_duration_milliseconds_bucket{${labels},le="${le}"} ${s.buckets[i]}`));
      lines.push(`istio_request_duration_milliseconds_bucket{${labels},le="+Inf"} ${s.count}`);
      lines.push(`istio_request_duration_milliseconds_sum{${labels}} ${s.sum}`);
      lines.push(`istio_request_duration_milliseconds_count{${labels}} ${s.count}`);
    }
    return `${lines.join('\n')}\n`;
  }

  /** Listens on a free port and registers itself with Prometheus through file service discovery. */
  async start(targetsDir: string): Promise<number> {
    this.server = createServer((request, response) => {
      if (request.url?.startsWith('/metrics')) {
        this.scrapes++;
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(this.render());
      } else {
        response.writeHead(404).end();
      }
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    mkdirSync(targetsDir, { recursive: true });
    this.targetFile = join(targetsDir, `lab-${this.namespace}.json`);
    writeFileSync(this.targetFile, JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels: { lab_test: this.namespace } }]));
    return port;
  }

  /** Stops answering scrapes (the target stays registered, so Prometheus sees it down). */
  async stopServing(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async stop(): Promise<void> {
    if (this.targetFile) rmSync(this.targetFile, { force: true });
    await this.stopServing();
  }
}

/** A URL where nothing listens: a port taken from the OS and released. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await sleep(500);
  }
  throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const uniqueName = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
