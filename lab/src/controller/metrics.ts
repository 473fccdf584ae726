// The controller's own Prometheus metrics: what it decided, what it saw, how its loop runs.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SubsetObservation } from '../core/observations.ts';
import type { Weights } from '../core/weights.ts';

export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly weight = new Gauge({ name: 'lab_controller_weight_percent', help: 'Weight of each subset in the owned route, as last read or written', labelNames: ['subset'], registers: [this.registry] });
  private readonly decisions = new Counter({ name: 'lab_controller_decisions_total', help: 'Decisions by outcome (hold, change, rollback, fail-static)', labelNames: ['action'], registers: [this.registry] });
  private readonly errors = new Counter({ name: 'lab_controller_errors_total', help: 'Failed steps of the loop by stage', labelNames: ['stage'], registers: [this.registry] });
  private readonly tickSeconds = new Histogram({ name: 'lab_controller_tick_duration_seconds', help: 'Duration of one control iteration', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [this.registry] });
  private readonly lastTick = new Gauge({ name: 'lab_controller_last_tick_timestamp_seconds', help: 'End of the last control iteration (Unix time)', registers: [this.registry] });
  private readonly latency = new Gauge({ name: 'lab_controller_observed_latency_ms', help: 'Mean latency of each subset over the window', labelNames: ['subset'], registers: [this.registry] });
  private readonly errorRatio = new Gauge({ name: 'lab_controller_observed_error_ratio', help: '5xx ratio of each subset over the window', labelNames: ['subset'], registers: [this.registry] });
  private readonly requestRate = new Gauge({ name: 'lab_controller_observed_request_rate', help: 'Requests per second of each subset over the window', labelNames: ['subset'], registers: [this.registry] });

  constructor(withProcessMetrics = true) {
    if (withProcessMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'lab_controller_' });
  }

  weights(weights: Weights): void {
    for (const [subset, value] of Object.entries(weights)) this.weight.set({ subset }, value);
  }

  decision(action: string): void {
    this.decisions.inc({ action });
  }

  error(stage: string): void {
    this.errors.inc({ stage });
  }

  observations(observations: readonly SubsetObservation[]): void {
    for (const o of observations) {
      if (o.status !== 'ok') continue;
      this.latency.set({ subset: o.subset }, o.meanLatencyMs);
      this.errorRatio.set({ subset: o.subset }, o.errorRate);
      this.requestRate.set({ subset: o.subset }, o.requestRate);
    }
  }

  tick(durationSeconds: number, endedAtMs: number): void {
    this.tickSeconds.observe(durationSeconds);
    this.lastTick.set(endedAtMs / 1000);
  }
}
