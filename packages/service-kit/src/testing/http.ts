// JSON calls to a running service, and waiting for its readiness, as tests make them.
import type { App } from '../service.ts';
import { eventually } from './eventually.ts';

// Answers are loosely typed JSON: each test asserts the shape it expects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface JsonAnswer {
  status: number;
  /** The parsed JSON body; undefined when the answer has none (204). */
  body: Json;
  headers: Headers;
}

export interface CallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is with a JSON content type (malformed JSON, for instance). */
  raw?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  headers?: Record<string, string>;
  /** A call without an answer by then fails the test instead of hanging it (default 30 s). */
  timeoutMs?: number;
}

/** `method path` on the service at `baseUrl`; never throws on an error status. */
export async function callJson(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<JsonAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined || options.raw !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

/** Waits for `/readyz` to answer 200 (the service's own store reachable). */
export async function waitUntilReady(app: App, timeoutMs = 60_000): Promise<void> {
  await eventually(
    async () => {
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      if (response.statusCode !== 200) throw new Error(`/readyz answered ${response.statusCode}: ${response.body}`);
    },
    { timeoutMs, intervalMs: 200 },
  );
}
