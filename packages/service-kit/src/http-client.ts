// Service-to-service HTTP calls with a timeout; an unreachable or failing peer becomes a 503.
// Made while handling a request, a call carries its id and trace (x-request-id, traceparent).
import { DependencyUnavailableError } from './errors.ts';
import { propagationHeaders } from './trace.ts';

export interface HttpResponse<T> {
  status: number;
  body: T;
}

export interface HttpClient {
  request<T = unknown>(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number },
  ): Promise<HttpResponse<T>>;
  get<T = unknown>(path: string, headers?: Record<string, string>): Promise<HttpResponse<T>>;
  post<T = unknown>(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpResponse<T>>;
  /** Readiness of the peer: its `GET /healthz` answers 200, else this throws. */
  check(): Promise<void>;
}

/**
 * A client for one peer (`name` is used in errors). 4xx answers are returned to the caller,
 * which decides; network errors, timeouts and 5xx answers throw DependencyUnavailableError.
 */
export function createHttpClient(options: { name: string; baseUrl: string; timeoutMs?: number }): HttpClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  async function request<T>(
    method: string,
    path: string,
    { body, headers = {}, timeoutMs = options.timeoutMs ?? 3_000 }: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<HttpResponse<T>> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...propagationHeaders(),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new DependencyUnavailableError(options.name, error);
    }
    if (response.status >= 500) {
      await response.body?.cancel();
      throw new DependencyUnavailableError(options.name, new Error(`${method} ${path} answered ${response.status}`));
    }
    const text = await response.text();
    let parsed: unknown = undefined;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new DependencyUnavailableError(options.name, new Error(`${method} ${path} answered non-JSON`));
      }
    }
    return { status: response.status, body: parsed as T };
  }
  return {
    request,
    get: (path, headers) => request('GET', path, { headers: headers ?? {} }),
    post: (path, body, headers) => request('POST', path, { body, headers: headers ?? {} }),
    async check() {
      const response = await request('GET', '/healthz');
      if (response.status !== 200) throw new Error(`${options.name} /healthz answered ${response.status}`);
    },
  };
}
