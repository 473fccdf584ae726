// The metrics a destination sidecar (Envoy with Istio's stats filter) reports for each request,
// under Istio's names, labels and buckets: istio_requests_total and
// istio_request_duration_milliseconds, reporter="destination". The live gateway records every
// request it proxies here, standing in for Envoy at the network boundary.
import { Counter, Histogram, Registry } from 'prom-client';
import { ISTIO_DURATION_BUCKETS_MS } from '../core/observations.ts';

export interface IstioRequest {
  /** The Deployment's name (`product-service-v2-deployment`), as Istio's destination_workload. */
  readonly workload: string;
  readonly app: string;
  readonly version: string;
  readonly namespace: string;
  /** The destination Service (`product-service-svc`). */
  readonly service: string;
  readonly responseCode: number;
  readonly durationMs: number;
}

const LABELS = [
  'reporter',
  'source_workload',
  'source_workload_namespace',
  'source_app',
  'destination_workload',
  'destination_workload_namespace',
  'destination_app',
  'destination_version',
  'destination_service',
  'destination_service_name',
  'destination_service_namespace',
  'request_protocol',
  'response_code',
  'response_flags',
  'connection_security_policy',
] as const;

export class IstioMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'istio_requests_total', help: 'Requests, as the destination sidecar reports them', labelNames: LABELS, registers: [this.registry] });
  private readonly duration = new Histogram({
    name: 'istio_request_duration_milliseconds',
    help: 'Request duration in milliseconds, as the destination sidecar reports it',
    labelNames: LABELS,
    buckets: [...ISTIO_DURATION_BUCKETS_MS],
    registers: [this.registry],
  });

  /** Requests recorded so far, by destination_version. */
  async countedByVersion(): Promise<Record<string, number>> {
    const counted: Record<string, number> = {};
    for (const value of (await this.requests.get()).values) {
      const version = String(value.labels.destination_version);
      counted[version] = (counted[version] ?? 0) + value.value;
    }
    return counted;
  }

  record(request: IstioRequest): void {
    const labels: Record<(typeof LABELS)[number], string> = {
      reporter: 'destination',
      source_workload: 'istio-ingressgateway',
      source_workload_namespace: 'istio-system',
      source_app: 'istio-ingressgateway',
      destination_workload: request.workload,
      destination_workload_namespace: request.namespace,
      destination_app: request.app,
      destination_version: request.version,
      destination_service: `${request.service}.${request.namespace}.svc.cluster.local`,
      destination_service_name: request.service,
      destination_service_namespace: request.namespace,
      request_protocol: 'http',
      response_code: String(request.responseCode),
      // Envoy's flags: UF (upstream connection failure) for the gateway's 502, UT for its 504.
      response_flags: request.responseCode === 502 ? 'UF' : request.responseCode === 504 ? 'UT' : '-',
      connection_security_policy: 'mutual_tls',
    };
    this.requests.inc(labels);
    this.duration.observe(labels, request.durationMs);
  }
}
