// Fastify/pino options: JSON logs on stdout, a request id per request (`reqId`; taken from
// `x-request-id` when the caller sends one), the service name and version on every line.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

export const REQUEST_ID_HEADER = 'x-request-id';

export function loggingOptions(service: { name: string; version: string; level: string }): FastifyServerOptions {
  return {
    logger: {
      level: service.level,
      base: { service: service.name, version: service.version },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    requestIdHeader: REQUEST_ID_HEADER,
    genReqId: () => randomUUID(),
  };
}

/** Echoes the request id so callers can match logs across services. */
export function installRequestIdEcho(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
}
