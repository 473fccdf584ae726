// The controller's configuration, from environment variables, checked at start-up: every bad
// or missing variable is named with what it should be.
import { MESH_TELEMETRY } from '../core/mesh.ts';
import { DEFAULT_GUARDRAILS, guardrailConfigProblems, type GuardrailConfig } from '../guardrails.ts';
import { POLICIES } from '../policies/index.ts';

export interface ControllerConfig {
  readonly prometheusUrl: string;
  readonly prometheusTimeoutMs: number;
  readonly namespace: string;
  readonly virtualService: string;
  readonly route: string;
  readonly destinationHost: string;
  readonly workloadRegex: string;
  readonly policy: string;
  readonly seed: number;
  readonly intervalSeconds: number;
  readonly windowSeconds: number;
  readonly port: number;
  readonly guardrails: GuardrailConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid controller configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads variables one by one, collecting every problem instead of stopping at the first. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  string(name: string, fallback?: string): string {
    const value = this.env[name]?.trim();
    if (value) return value;
    if (fallback !== undefined) return fallback;
    this.problems.push(`${name} is required`);
    return '';
  }

  number(name: string, fallback: number, check: { integer?: boolean; min?: number; max?: number } = {}): number {
    const raw = this.env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    const range = `${check.min ?? '-inf'}..${check.max ?? 'inf'}`;
    if (!Number.isFinite(value) || (check.integer && !Number.isInteger(value)) || value < (check.min ?? -Infinity) || value > (check.max ?? Infinity)) {
      this.problems.push(`${name} must be ${check.integer ? 'an integer' : 'a number'} in ${range} (got '${raw}')`);
      return fallback;
    }
    return value;
  }

  url(name: string): string {
    const value = this.string(name);
    if (!value) return value;
    try {
      const url = new URL(value);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    } catch {
      this.problems.push(`${name} must be an http(s) URL such as http://prometheus.istio-system:9090 (got '${value}')`);
    }
    return value;
  }

  oneOf(name: string, fallback: string, allowed: readonly string[]): string {
    const value = this.string(name, fallback);
    if (!allowed.includes(value)) this.problems.push(`${name} must be one of ${allowed.join(', ')} (got '${value}')`);
    return value;
  }

  list(name: string, fallback: readonly string[]): string[] {
    const raw = this.env[name]?.trim();
    return raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : [...fallback];
  }
}

export function loadConfig(env: Env): ControllerConfig {
  const read = new EnvReader(env);
  // Defaults from the same object the simulator's scenarios use (Istio's 15 s scrapes, a 60 s increase() window).
  const intervalSeconds = read.number('INTERVAL_SECONDS', MESH_TELEMETRY.intervalSeconds, { integer: true, min: 1, max: 3600 });
  const windowSeconds = read.number('WINDOW_SECONDS', Math.max(MESH_TELEMETRY.windowSeconds, 2 * intervalSeconds), { integer: true, min: 1, max: 86400 });
  const subsets = read.list('SUBSETS', ['v1', 'v2']);
  const guardrails: GuardrailConfig = {
    subsets,
    floorPercent: read.number('FLOOR_PERCENT', DEFAULT_GUARDRAILS.floorPercent, { integer: true, min: 0, max: 50 }),
    maxStepPercent: read.number('MAX_STEP_PERCENT', DEFAULT_GUARDRAILS.maxStepPercent, { integer: true, min: 1, max: 100 }),
    hysteresisPercent: read.number('HYSTERESIS_PERCENT', DEFAULT_GUARDRAILS.hysteresisPercent, { integer: true, min: 0, max: 100 }),
    staleAfterSeconds: read.number('STALE_AFTER_SECONDS', Math.max(DEFAULT_GUARDRAILS.staleAfterSeconds, 3 * intervalSeconds), { min: 1 }),
    errorRateThreshold: read.number('ERROR_RATE_THRESHOLD', DEFAULT_GUARDRAILS.errorRateThreshold, { min: 0.001, max: 1 }),
    minRequestRateForErrors: read.number('MIN_REQUEST_RATE', DEFAULT_GUARDRAILS.minRequestRateForErrors, { min: 0 }),
  };
  const config: ControllerConfig = {
    prometheusUrl: read.url('PROMETHEUS_URL'),
    prometheusTimeoutMs: read.number('PROMETHEUS_TIMEOUT_SECONDS', 5, { min: 0.1, max: 120 }) * 1000,
    namespace: read.string('NAMESPACE', 'lirmm-services'),
    virtualService: read.string('VIRTUAL_SERVICE', 'main-routing-vs'),
    route: read.string('ROUTE', 'product-service'),
    destinationHost: read.string('DESTINATION_HOST', 'product-service-svc'),
    workloadRegex: read.string('WORKLOAD_REGEX', 'product-service-.*'),
    policy: read.oneOf('POLICY', 'ewma-latency', POLICIES.map((p) => p.name)),
    seed: read.number('SEED', 1, { integer: true, min: 0 }),
    intervalSeconds,
    windowSeconds,
    port: read.number('PORT', 8080, { integer: true, min: 0, max: 65535 }),
    guardrails,
  };
  const problems = [...read.problems, ...guardrailConfigProblems(guardrails).map((p) => `guard rails: ${p} (FLOOR_PERCENT, MAX_STEP_PERCENT, HYSTERESIS_PERCENT, SUBSETS)`)];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
