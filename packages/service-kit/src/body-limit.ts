// A request body over the limit gets its 413 only after the body has been read and dropped. Fastify
// answers 413 as soon as it sees the Content-Length and leaves the rest of the body unread; closing
// a socket with unread data makes the kernel send a reset, which can destroy the 413 before a proxy
// in front (the inner loop's gateway, a sidecar) has read it, and a proxy that is still streaming
// the body sees the connection fail (502) instead of the answer. Draining keeps the connection, and
// the answer, intact; a body far over the limit is not read (its connection is closed instead).
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.ts';

/** Bodies up to this many bytes are drained before the 413; larger ones close the connection. */
export const DRAIN_LIMIT_BYTES = 16 * 1024 * 1024;

export function installBodyLimitDrain(app: FastifyInstance, bodyLimit: number): void {
  app.addHook('onRequest', async (request, reply) => {
    const declared = Number(request.headers['content-length']);
    if (!Number.isFinite(declared) || declared <= bodyLimit) return;
    const message = `request body is ${declared} bytes, larger than the limit of ${bodyLimit} bytes`;
    if (declared > DRAIN_LIMIT_BYTES) {
      reply.header('connection', 'close');
      throw new HttpError(413, 'payload_too_large', message);
    }
    await new Promise<void>((resolve) => {
      request.raw.on('end', resolve);
      request.raw.on('error', () => resolve());
      request.raw.on('close', resolve);
      request.raw.resume();
    });
    throw new HttpError(413, 'payload_too_large', message);
  });
}
