// smoke: one request per public route through the ingress gateway (http://localhost:13000), as a
// user and as the admin, in the order a shopper would go. Right after a rollout the mesh may still
// answer 404/503 (routes not pushed to the gateway yet, endpoints not ready), so requests are retried
// during a first window; after it, a wrong answer fails at once, naming the route, status and body.
import { randomUUID } from 'node:crypto';
import { formatDuration, type Log } from '../lib/log.ts';

export interface SmokeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  token?: string | undefined;
  headers?: Record<string, string>;
  /** Accepted statuses. */
  expect: readonly number[];
  /** Checks the parsed body; returns what is wrong, or undefined. */
  check?: (body: unknown) => string | undefined;
  /** The answer depends on events still in flight (search index, stats): keep retrying a wrong body too. */
  eventual?: boolean;
}

export class SmokeError extends Error {}

export interface SmokeClientOptions {
  baseUrl: string;
  log: Log;
  /** Until this long after the client is made, failures that may be transient are retried. */
  retryWindowMs?: number;
  /** Eventual checks are retried at least this long. */
  eventualMs?: number;
  requestTimeoutMs?: number;
}

interface Answer {
  status: number;
  text: string;
  body: unknown;
}

const RETRYABLE_STATUS = (status: number): boolean => status === 404 || status === 429 || status >= 500;

export class SmokeClient {
  private readonly windowEnd: number;
  readonly attempts: number[] = [];

  constructor(private readonly options: SmokeClientOptions) {
    this.windowEnd = Date.now() + (options.retryWindowMs ?? 60_000);
  }

  private async send(request: SmokeRequest): Promise<Answer> {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.token) headers.authorization = `Bearer ${request.token}`;
    const response = await fetch(new URL(request.path, this.options.baseUrl), {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, text, body };
  }

  /** Sends the request (retrying while that may help) and returns the parsed body of an accepted answer. */
  async request(request: SmokeRequest): Promise<unknown> {
    const route = `${request.method} ${request.path}`;
    const started = Date.now();
    const eventualEnd = started + (this.options.eventualMs ?? 30_000);
    let delay = 250;
    let attempts = 0;
    for (;;) {
      attempts++;
      let problem: string;
      let retryable: boolean;
      try {
        const answer = await this.send(request);
        if (request.expect.includes(answer.status)) {
          const wrong = request.check?.(answer.body);
          if (!wrong) {
            this.attempts.push(attempts);
            this.options.log.line(`ok  ${answer.status} ${route} (${formatDuration(Date.now() - started)}${attempts > 1 ? `, ${attempts} attempts` : ''})`);
            return answer.body;
          }
          problem = `${route}: status ${answer.status} but ${wrong}; body: ${truncate(answer.text)}`;
          retryable = request.eventual === true && Date.now() < eventualEnd;
        } else {
          problem = `${route}: expected ${request.expect.join(' or ')}, got ${answer.status}; body: ${truncate(answer.text)}`;
          retryable = RETRYABLE_STATUS(answer.status) && Date.now() < this.windowEnd;
        }
      } catch (error) {
        problem = `${route}: no answer from ${this.options.baseUrl}: ${describeFetchError(error)}`;
        retryable = Date.now() < this.windowEnd;
      }
      if (!retryable) {
        this.options.log.line(`FAIL ${problem}`);
        throw new SmokeError(problem);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}

function truncate(text: string, max = 500): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat || '(empty)';
}

function describeFetchError(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? error.message;
  }
  return String(error);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const field = (body: unknown, key: string): unknown => (isObject(body) ? body[key] : undefined);
const needs = (key: string) => (body: unknown) => (field(body, key) === undefined ? `no "${key}" in the answer` : undefined);
const needsItems = (body: unknown): string | undefined => (Array.isArray(field(body, 'items')) ? undefined : 'no "items" list');

export interface AdminCredentials {
  email: string;
  password: string;
}

/** Every public route once, as a shopper and as the admin would use them. */
export async function runSmokeScenario(client: SmokeClient, admin: () => Promise<AdminCredentials>): Promise<void> {
  const run = randomUUID().slice(0, 8);
  const user = { email: `smoke-${run}@example.test`, password: `Smoke-${run}-password`, name: `Smoke ${run}` };

  await client.request({ method: 'GET', path: '/auth/.well-known/jwks.json', expect: [200], check: needs('keys') });
  await client.request({ method: 'POST', path: '/auth/register', body: user, expect: [201], check: needs('id') });
  const login = await client.request({
    method: 'POST',
    path: '/auth/login',
    body: { email: user.email, password: user.password },
    expect: [200],
    check: needs('accessToken'),
  });
  const token = String(field(login, 'accessToken'));
  await client.request({ method: 'GET', path: '/auth/me', token, expect: [200], check: needs('role') });

  const credentials = await admin();
  const adminLogin = await client.request({
    method: 'POST',
    path: '/auth/login',
    body: credentials,
    expect: [200],
    check: needs('accessToken'),
  });
  const adminToken = String(field(adminLogin, 'accessToken'));

  const productName = `Smoke lamp ${run}`;
  const product = await client.request({
    method: 'POST',
    path: '/products/',
    token: adminToken,
    body: { name: productName, description: 'Made by the pipeline smoke test', price: 1999, category: 'smoke', stock: 5 },
    expect: [201],
    check: needs('id'),
  });
  const productId = String(field(product, 'id'));
  await client.request({ method: 'GET', path: '/products/?limit=5', expect: [200], check: needsItems });
  await client.request({ method: 'GET', path: `/products/${productId}`, expect: [200], check: needs('price') });

  await client.request({ method: 'PUT', path: `/cart/items/${productId}`, token, body: { quantity: 1 }, expect: [200], check: needsItems });
  await client.request({ method: 'GET', path: '/cart/', token, expect: [200], check: needsItems });
  const order = await client.request({
    method: 'POST',
    path: '/orders/',
    token,
    headers: { 'idempotency-key': `smoke-${run}` },
    expect: [201],
    check: (body) => (field(body, 'status') === 'paid' ? undefined : `status is ${String(field(body, 'status'))}, not paid`),
  });
  const orderId = String(field(order, 'id'));
  await client.request({ method: 'GET', path: '/orders/', token, expect: [200] });
  await client.request({ method: 'GET', path: `/orders/${orderId}`, token, expect: [200], check: needs('status') });

  await client.request({ method: 'POST', path: '/reviews/', token, body: { productId, rating: 5, comment: 'Smoke test review' }, expect: [201] });
  await client.request({ method: 'GET', path: `/reviews/?productId=${productId}`, expect: [200], check: needsItems });

  await client.request({
    method: 'GET',
    path: `/search/?q=${encodeURIComponent(productName)}`,
    expect: [200],
    eventual: true,
    check: (body) => {
      const items = field(body, 'items');
      return Array.isArray(items) && items.some((item) => field(item, 'id') === productId)
        ? undefined
        : 'the new product is not in the search results yet';
    },
  });
  await client.request({ method: 'GET', path: '/stats/sales', token: adminToken, expect: [200], check: needs('revenue') });
  // The paid order's event reached stats-service (one unit of the new product sold) and
  // notification-service (a notification about this order for its buyer).
  await client.request({
    method: 'GET',
    path: `/stats/products/${productId}`,
    expect: [200],
    eventual: true,
    check: (body) => (field(body, 'sold') === 1 ? undefined : `sold is ${String(field(body, 'sold'))}, not 1: the order is not counted yet`),
  });
  await client.request({
    method: 'GET',
    path: '/notifications/',
    token,
    expect: [200],
    eventual: true,
    check: (body) => {
      const items = field(body, 'items');
      return Array.isArray(items) && items.some((item) => field(item, 'orderId') === orderId)
        ? undefined
        : `no notification about order ${orderId} yet`;
    },
  });
}
