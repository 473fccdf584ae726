// ORCA load reports on every response, for Envoy's client_side_weighted_round_robin
// (k8s/istio/orca-load-balancing.yaml): the `endpoint-load-metrics` header in ORCA's TEXT form
// with this instance's application utilisation, requests per second and errors per second over
// the last completed window. Utilisation is the event loop's busy fraction (Node's
// eventLoopUtilization): the time spent working, not waiting, as CPU utilisation would be. A
// slower pod answers fewer requests per busy second, so Envoy's weight rps / utilisation follows
// its capacity. (Requests in flight were tried instead in the lab: weights from them chase
// queueing and did worse.)
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';

export const ORCA_HEADER = 'endpoint-load-metrics';

export interface OrcaOptions {
  /** Length of the window the figures are measured over (Envoy's weight_update_period is 1 s). */
  readonly windowMs?: number;
  /** Busy fraction since the previous call; the event loop's by default. */
  readonly utilisation?: () => number;
  /** Clock (ms). */
  readonly now?: () => number;
}

export interface OrcaReport {
  readonly applicationUtilization: number;
  readonly rpsFractional: number;
  readonly eps: number;
}

/** The event loop's utilisation since the previous call. */
export function eventLoopBusyFraction(): () => number {
  let previous = performance.eventLoopUtilization();
  return () => {
    const delta = performance.eventLoopUtilization(previous);
    previous = performance.eventLoopUtilization();
    return delta.utilization;
  };
}

/** Counts responses and 5xx per window; `report()` is the last completed window's. */
export class OrcaMeter {
  private windowStart: number;
  private responses = 0;
  private errors = 0;
  private last: OrcaReport = { applicationUtilization: 0, rpsFractional: 0, eps: 0 };
  private readonly utilisation: () => number;

  constructor(private readonly options: OrcaOptions = {}) {
    const windowMs = options.windowMs ?? 1000;
    if (!(windowMs > 0)) throw new Error(`ORCA window must be positive (got ${windowMs} ms)`);
    this.utilisation = options.utilisation ?? eventLoopBusyFraction();
    this.windowStart = this.clock();
  }

  finished(statusCode: number): void {
    this.advance();
    this.responses++;
    if (statusCode >= 500) this.errors++;
  }

  report(): OrcaReport {
    this.advance();
    return this.last;
  }

  private clock(): number {
    return (this.options.now ?? Date.now)();
  }

  private advance(): void {
    const now = this.clock();
    const windowMs = this.options.windowMs ?? 1000;
    if (now < this.windowStart + windowMs) return;
    // Figures of the window that just ended; windows with nothing at all in between count as empty.
    const seconds = windowMs / 1000;
    const empty = now >= this.windowStart + 2 * windowMs;
    this.last = {
      applicationUtilization: Math.min(1, Math.max(0, this.utilisation())),
      rpsFractional: empty ? 0 : this.responses / seconds,
      eps: empty ? 0 : this.errors / seconds,
    };
    this.responses = 0;
    this.errors = 0;
    this.windowStart += Math.floor((now - this.windowStart) / windowMs) * windowMs;
  }
}

export function orcaHeaderValue(report: OrcaReport): string {
  const f = (n: number): string => String(Math.round(n * 1e4) / 1e4);
  return `TEXT application_utilization=${f(report.applicationUtilization)}, rps_fractional=${f(report.rpsFractional)}, eps=${f(report.eps)}`;
}

/** Adds the ORCA header to every response of the instance. */
export function orcaLoadReports(app: FastifyInstance, options: OrcaOptions = {}): OrcaMeter {
  const meter = new OrcaMeter(options);
  app.addHook('onSend', async (_request, reply) => {
    void reply.header(ORCA_HEADER, orcaHeaderValue(meter.report()));
  });
  app.addHook('onResponse', async (_request, reply) => {
    meter.finished(reply.statusCode);
  });
  return meter;
}
