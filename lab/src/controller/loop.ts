// The loop, and only the loop: every interval, read the owned route, observe, decide (policy
// and guard rails), and have the actuator write and explain the change. Ticks never overlap.
import type { ControllerEvent } from '../actuator/events.ts';
import type { RouteSnapshot } from '../actuator/owned-route.ts';
import { formatWeights, type Weights } from '../core/weights.ts';
import type { GuardAction, GuardrailConfig, GuardState } from '../guardrails.ts';
import type { Policy } from '../policies/policy.ts';
import type { TelemetryReading } from '../telemetry/prometheus.ts';
import { controlStep } from './control-step.ts';
import type { Logger } from './log.ts';
import type { ControllerMetrics } from './metrics.ts';

export interface Observer {
  observe(nowSeconds: number): Promise<TelemetryReading>;
}

export interface Actuator {
  read(): Promise<RouteSnapshot>;
  apply(snapshot: RouteSnapshot, weights: Weights): Promise<RouteSnapshot>;
  recordEvent(snapshot: RouteSnapshot | undefined, event: ControllerEvent): Promise<void>;
}

export interface ControllerDeps {
  readonly observer: Observer;
  readonly actuator: Actuator;
  readonly policy: Policy;
  readonly guardrails: GuardrailConfig;
  readonly metrics: ControllerMetrics;
  readonly log: Logger;
  readonly route: string;
  readonly now?: () => number;
}

export type TickOutcome =
  | { readonly action: GuardAction; readonly before: Weights; readonly after: Weights; readonly reason: string }
  | { readonly action: 'error'; readonly stage: string; readonly reason: string };

const EVENT_REASONS: Partial<Record<GuardAction, ControllerEvent['reason']>> = {
  change: 'WeightsChanged',
  rollback: 'Rollback',
  'fail-static': 'FailStatic',
};

export class Controller {
  private state: GuardState = {};
  private failingStatic = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TickOutcome> | undefined;
  private stopped = true;
  lastTickEndedMs = 0;

  constructor(private readonly deps: ControllerDeps) {}

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  /** One iteration. Never throws: failures are logged, counted and returned. */
  async tick(): Promise<TickOutcome> {
    const started = this.now();
    const outcome = await this.decideAndAct().catch((error: unknown): TickOutcome => {
      const reason = error instanceof Error ? error.message : String(error);
      return { action: 'error', stage: 'unexpected', reason };
    });
    const ended = this.now();
    this.lastTickEndedMs = ended;
    this.deps.metrics.tick((ended - started) / 1000, ended);
    if (outcome.action === 'error') {
      this.deps.metrics.error(outcome.stage);
      this.deps.log('error', 'control step failed', { stage: outcome.stage, reason: outcome.reason });
    } else {
      this.deps.metrics.decision(outcome.action);
      this.deps.log(outcome.action === 'hold' ? 'debug' : 'info', `decision: ${outcome.action}`, {
        before: outcome.before,
        after: outcome.after,
        reason: outcome.reason,
      });
    }
    return outcome;
  }

  private async decideAndAct(): Promise<TickOutcome> {
    const { observer, actuator, policy, guardrails, metrics } = this.deps;
    let snapshot: RouteSnapshot;
    try {
      snapshot = await actuator.read();
    } catch (error) {
      return { action: 'error', stage: 'read', reason: messageOf(error) };
    }
    metrics.weights(snapshot.weights);
    const nowSeconds = this.now() / 1000;
    const reading = await observer.observe(nowSeconds);
    if (reading.error) metrics.error('telemetry');
    metrics.observations(reading.observations);

    const step = controlStep({ policy, observations: reading.observations, current: snapshot.weights, nowSeconds, state: this.state, config: guardrails });
    this.state = step.state;
    const subsets = guardrails.subsets;
    const before = snapshot.weights;
    const describe = `${this.deps.route}: ${formatWeights(before, subsets)} -> ${formatWeights(step.weights, subsets)}`;
    const why = step.action === 'change' ? `policy ${policy.name}${step.reason ? `; ${step.reason}` : ''}` : step.reason;

    if (step.action === 'fail-static') {
      const entering = !this.failingStatic;
      this.failingStatic = true;
      if (entering) await this.emit(snapshot, 'Warning', 'fail-static', `${this.deps.route}: ${step.reason}`);
      return { action: 'fail-static', before, after: before, reason: step.reason };
    }
    if (this.failingStatic) {
      this.failingStatic = false;
      await this.emit(snapshot, 'Normal', 'metrics-back', `${this.deps.route}: metrics are back; resuming policy ${policy.name}`);
    }
    if (step.action === 'hold') return { action: 'hold', before, after: before, reason: step.reason };

    let written: RouteSnapshot;
    try {
      written = await actuator.apply(snapshot, step.weights);
    } catch (error) {
      return { action: 'error', stage: 'patch', reason: messageOf(error) };
    }
    metrics.weights(written.weights);
    await this.emit(written, step.action === 'rollback' ? 'Warning' : 'Normal', step.action, `${describe} (${why})`);
    return { action: step.action, before, after: written.weights, reason: why };
  }

  private async emit(snapshot: RouteSnapshot, type: ControllerEvent['type'], action: GuardAction | 'metrics-back', message: string): Promise<void> {
    const reason = action === 'metrics-back' ? 'MetricsRestored' : (EVENT_REASONS[action] ?? 'Decision');
    try {
      await this.deps.actuator.recordEvent(snapshot, { type, reason, message });
    } catch (error) {
      this.deps.metrics.error('event');
      this.deps.log('warn', 'could not record an Event', { reason, error: messageOf(error) });
    }
  }

  /** Ticks every `intervalMs` until stop(); a slow tick delays the next, never overlaps it. */
  start(intervalMs: number): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = (): void => {
      if (this.stopped) return;
      const started = this.now();
      this.running = this.tick();
      void this.running.then(() => {
        if (this.stopped) return;
        this.timer = setTimeout(loop, Math.max(0, intervalMs - (this.now() - started)));
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Alive: the loop finished an iteration within the last `withinMs`. */
  healthy(withinMs: number): boolean {
    return this.now() - this.lastTickEndedMs <= withinMs;
  }
}

/** A readable message; Kubernetes API errors are reduced to their status code and message. */
export function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, body } = error as { code?: unknown; body?: unknown };
  if (typeof code === 'number' && body !== undefined) {
    let parsed: unknown = body;
    if (typeof body === 'string') {
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = body;
      }
    }
    const message = parsed && typeof parsed === 'object' && 'message' in parsed ? String((parsed as { message: unknown }).message) : String(parsed);
    return `Kubernetes API answered ${code}: ${message}`;
  }
  return error.message;
}
