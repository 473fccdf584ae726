// ORCA load reports on every response, for Envoy's client_side_weighted_round_robin
// (k8s/istio/orca-load-balancing.yaml): the `endpoint-load-metrics` header in ORCA's TEXT form
// with this instance's application utilisation, requests per second and errors per second over
// the last completed window. Utilisation is the time-averaged number of requests in flight over
// the capacity the instance is sized for, so a pod that is slower or busier reports more.
import type { FastifyInstance } from 'fastify';

export const ORCA_HEADER = 'endpoint-load-metrics';

export interface OrcaOptions {
  /** Requests the instance serves at once at full utilisation. */
  readonly capacity: number;
  /** Length of the window the figures are measured over (Envoy's weight_update_period is 1 s). */
  readonly windowMs?: number;
  /** Clock (ms), for tests. */
  readonly now?: () => number;
}

export interface OrcaReport {
  readonly applicationUtilization: number;
  readonly rpsFractional: number;
  readonly eps: number;
}

/** Counts in-flight time, responses and 5xx per window; `report()` is the last completed window's. */
export class OrcaMeter {
  private inFlight = 0;
  private lastChange: number;
  private windowStart: number;
  private busyMs = 0;
  private responses = 0;
  private errors = 0;
  private last: OrcaReport = { applicationUtilization: 0, rpsFractional: 0, eps: 0 };

  constructor(private readonly options: OrcaOptions) {
    if (!(options.capacity > 0)) throw new Error(`ORCA capacity must be positive (got ${options.capacity})`);
    const now = this.clock();
    this.lastChange = now;
    this.windowStart = now;
  }

  started(): void {
    this.advance();
    this.inFlight++;
  }

  finished(statusCode: number): void {
    this.advance();
    this.inFlight = Math.max(0, this.inFlight - 1);
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
    while (now >= this.windowStart + windowMs) {
      const end = this.windowStart + windowMs;
      this.busyMs += this.inFlight * Math.max(0, end - this.lastChange);
      this.lastChange = end;
      const seconds = windowMs / 1000;
      this.last = {
        applicationUtilization: this.busyMs / (windowMs * this.options.capacity),
        rpsFractional: this.responses / seconds,
        eps: this.errors / seconds,
      };
      this.busyMs = 0;
      this.responses = 0;
      this.errors = 0;
      this.windowStart = end;
    }
    this.busyMs += this.inFlight * (now - this.lastChange);
    this.lastChange = now;
  }
}

export function orcaHeaderValue(report: OrcaReport): string {
  const f = (n: number): string => String(Math.round(n * 1e4) / 1e4);
  return `TEXT application_utilization=${f(report.applicationUtilization)}, rps_fractional=${f(report.rpsFractional)}, eps=${f(report.eps)}`;
}

/** Adds the ORCA header to every response of the instance. */
export function orcaLoadReports(app: FastifyInstance, options: OrcaOptions): OrcaMeter {
  const meter = new OrcaMeter(options);
  app.addHook('onRequest', async () => {
    meter.started();
  });
  app.addHook('onSend', async (_request, reply) => {
    void reply.header(ORCA_HEADER, orcaHeaderValue(meter.report()));
  });
  app.addHook('onResponse', async (_request, reply) => {
    meter.finished(reply.statusCode);
  });
  return meter;
}
