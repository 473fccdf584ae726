// Fastify/pino options: JSON logs on stdout, a request id per request (`reqId`; taken from
// `x-request-id` when the caller sends one), the service name and version on every line.
// One access line per request, not Fastify's two: at debug when it went well, at warn when slow,
// at error for a 5xx. Two synchronous info lines per request halved catalogue throughput, and in
// the mesh Envoy already keeps an access log.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { DestinationStream } from 'pino';
import { currentTrace, runInTrace, traceOf, type RequestTrace } from './trace.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Marks a request's own logger (it has reqId and traceId bound already). */
const REQUEST_LOGGER = Symbol('shopmesh.requestLogger');
/** The trace of a raw request, computed once with its logger. */
const TRACE = Symbol('shopmesh.trace');
type TracedRequest = IncomingMessage & { [TRACE]?: RequestTrace };

export function loggingOptions(service: { name: string; version: string; level: string; stream?: DestinationStream }): FastifyServerOptions {
  return {
    logger: {
      level: service.level,
      base: { service: service.name, version: service.version },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      // A line written through the app's logger while a request is handled (a module's warning,
      // a retry) carries the request's id and trace too; the request's own logger has them bound.
      mixin(_object: object, _level: number, logger: unknown) {
        if ((logger as { [REQUEST_LOGGER]?: boolean })[REQUEST_LOGGER]) return {};
        const trace = currentTrace();
        return trace ? { reqId: trace.requestId, traceId: trace.traceId } : {};
      },
      ...(service.stream ? { stream: service.stream } : {}),
    },
    requestIdHeader: REQUEST_ID_HEADER,
    genReqId: () => randomUUID(),
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory(logger, bindings, options, rawRequest) {
      const request = rawRequest as TracedRequest;
      const trace = traceOf(request.headers, String(bindings.reqId));
      request[TRACE] = trace;
      const child = logger.child({ ...bindings, traceId: trace.traceId }, options);
      (child as unknown as { [REQUEST_LOGGER]: boolean })[REQUEST_LOGGER] = true;
      return child;
    },
  };
}

/**
 * Handles each request inside its trace (see trace.ts): the HTTP client forwards it, logs show it.
 * Register before any other hook.
 */
export function installRequestTrace(app: FastifyInstance): void {
  app.addHook('onRequest', (request, _reply, done) => {
    const raw = request.raw as TracedRequest;
    runInTrace(raw[TRACE] ?? traceOf(raw.headers, request.id), done);
  });
}

export const SLOW_REQUEST_MS = 1000;

/** The access line of every request, at a level that says whether anyone should look at it. */
export function installAccessLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (request, reply) => {
    const line = {
      req: { method: request.method, url: request.url },
      res: { statusCode: reply.statusCode },
      responseTime: Math.round(reply.elapsedTime),
    };
    if (reply.statusCode >= 500) request.log.error(line, 'request failed');
    else if (reply.elapsedTime >= SLOW_REQUEST_MS) request.log.warn(line, 'slow request');
    else request.log.debug(line, 'request completed');
  });
}

/** Echoes the request id so callers can match logs across services. */
export function installRequestIdEcho(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
}
