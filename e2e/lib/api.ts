// A small JSON client for the shop's public API, as a browser or a mobile app would call it.
import { setTimeout as sleep } from 'node:timers/promises';

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Api = <T = unknown>(method: string, path: string, options?: RequestOptions) => Promise<ApiResponse<T>>;

export function apiClient(baseUrl: string): Api {
  return async <T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: kept as text, shown in failures
    }
    return { status: response.status, body: body as T, headers: response.headers };
  };
}

/** Throws with the method, path and body of an answer whose status is not `expected`. */
export function expectStatus<T>(response: ApiResponse<T>, expected: number, what: string): T {
  if (response.status !== expected) {
    throw new Error(`${what}: expected ${expected}, got ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body;
}

/**
 * Polls `probe` until it returns a value (not undefined) or the deadline passes; for effects that
 * travel through Kafka. On time-out the error names what was awaited and the last observation.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<{ done: true; value: T } | { done: false; seen: unknown }>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let seen: unknown;
  while (Date.now() < deadline) {
    const outcome = await probe();
    if (outcome.done) return outcome.value;
    seen = outcome.seen;
    await sleep(250);
  }
  throw new Error(`${what}: not observed within ${timeoutMs / 1000} s; last seen ${JSON.stringify(seen)}`);
}

/** Reads one sample of a Prometheus text exposition (`name{label="v"}`); 0 when absent. */
export function metricValue(exposition: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}
