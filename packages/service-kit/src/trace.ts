// The request being handled, wherever the code is: its id and its W3C trace context, kept in an
// AsyncLocalStorage for the duration of the request. The HTTP client forwards them on every call
// to another service, and every log line written meanwhile carries them (`reqId`, `traceId`), so
// one order can be followed from the gateway through cart-, product- and payment-service.
// Istio's proxies join their spans to the same trace when the application forwards these headers.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const TRACEPARENT_HEADER = 'traceparent';
/** Forwarded as received: W3C tracestate, and the B3 headers Istio's proxies also use. */
const FORWARDED_HEADERS = ['tracestate', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags'] as const;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZEROS = /^0+$/;

export interface RequestTrace {
  requestId: string;
  /** The traceparent sent on: the caller's, or a new trace when it sent none (or a malformed one). */
  traceparent: string;
  traceId: string;
  /** Other trace headers received, forwarded as they are. */
  forwarded: Record<string, string>;
}

const storage = new AsyncLocalStorage<RequestTrace>();

/** The trace of a request from its headers. */
export function traceOf(headers: IncomingHttpHeaders, requestId: string): RequestTrace {
  const received = headers[TRACEPARENT_HEADER];
  const match = typeof received === 'string' ? TRACEPARENT.exec(received.trim().toLowerCase()) : null;
  const valid = match && !ZEROS.test(match[1]!) && !ZEROS.test(match[2]!);
  const traceId = valid ? match[1]! : randomBytes(16).toString('hex');
  const traceparent = valid ? match[0] : `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
  const forwarded: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && value.length <= 512) forwarded[name] = value;
  }
  return { requestId, traceparent, traceId, forwarded };
}

/** Runs `fn` (and everything it starts) as part of the request `trace`. */
export const runInTrace = <T>(trace: RequestTrace, fn: () => T): T => storage.run(trace, fn);

/** The trace of the request being handled, if any. */
export const currentTrace = (): RequestTrace | undefined => storage.getStore();

/** The headers that carry the current request's id and trace to the service being called. */
export function propagationHeaders(): Record<string, string> {
  const trace = storage.getStore();
  if (!trace) return {};
  return { ...trace.forwarded, 'x-request-id': trace.requestId, [TRACEPARENT_HEADER]: trace.traceparent };
}
