// Uniform error answers: every 4xx/5xx body is {"error": {"code", "message", "field"?}}.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** An error a handler throws on purpose; it becomes an answer with this status and body. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string, field?: string): HttpError =>
  new HttpError(400, 'bad_request', message, field);
export const unauthorized = (message = 'authentication required', code = 'unauthorized'): HttpError =>
  new HttpError(401, code, message);
export const forbidden = (message = 'not allowed'): HttpError => new HttpError(403, 'forbidden', message);
export const notFound = (message = 'not found'): HttpError => new HttpError(404, 'not_found', message);
export const conflict = (message: string, code = 'conflict', field?: string): HttpError =>
  new HttpError(409, code, message, field);

/** A store, broker or peer service did not answer: the request gets a 503, never a 500. */
export class DependencyUnavailableError extends HttpError {
  constructor(dependency: string, cause?: unknown) {
    super(503, 'dependency_unavailable', `${dependency} is unavailable`);
    this.name = 'DependencyUnavailableError';
    if (cause !== undefined) this.cause = cause;
  }
}

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT',
  '57P01', '57P02', '57P03', // PostgreSQL: admin shutdown, crash shutdown, cannot connect now
]);
const CONNECTION_ERROR_MESSAGES = [
  /connection terminated/i, // pg
  /timeout exceeded when trying to connect/i, // pg-pool
  /is not queryable/i, // pg: a client whose connection broke
  /connection is closed/i, // ioredis
  /stream isn't writeable/i, // ioredis with the offline queue disabled
  /reached the max retries per request/i, // ioredis
  /the producer is disconnected/i, // kafkajs
];
const CONNECTION_ERROR_NAMES = new Set([
  'KafkaJSConnectionError', 'KafkaJSNumberOfRetriesExceeded', 'KafkaJSRequestTimeoutError', 'MaxRetriesPerRequestError',
]);

/** Whether an error means "a dependency cannot be reached" (as opposed to a bug or bad data). */
export function isConnectionError(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_ERROR_CODES.has(code) || code.startsWith('08'))) return true;
  if (CONNECTION_ERROR_NAMES.has(error.name)) return true;
  if (CONNECTION_ERROR_MESSAGES.some((pattern) => pattern.test(error.message))) return true;
  if (error instanceof AggregateError && error.errors.some((inner) => isConnectionError(inner, depth + 1))) return true;
  return isConnectionError(error.cause, depth + 1);
}

interface AjvLikeError {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: { missingProperty?: string; additionalProperty?: string };
}

/** The field an ajv validation error is about: `price`, `items.0.quantity`, `idempotency-key`. */
export function fieldOfValidationError(error: AjvLikeError): string | undefined {
  const path = (error.instancePath ?? '').split('/').filter(Boolean).join('.');
  const leaf = error.params?.missingProperty ?? error.params?.additionalProperty;
  const field = [path, leaf].filter(Boolean).join('.');
  return field === '' ? undefined : field;
}

function validationAnswer(error: FastifyError): ErrorBody {
  const first = error.validation?.[0] as AjvLikeError | undefined;
  const field = first ? fieldOfValidationError(first) : undefined;
  const where = error.validationContext ?? 'request';
  const what =
    first?.keyword === 'additionalProperties'
      ? 'is not an accepted field'
      : first?.keyword === 'required'
        ? 'is required'
        : (first?.message ?? 'is invalid');
  const message = field ? `${where} field '${field}' ${what}` : `${where} ${what}`;
  return { error: { code: 'validation_failed', message, ...(field ? { field } : {}) } };
}

function errorAnswer(error: FastifyError | HttpError, request: FastifyRequest): { status: number; body: ErrorBody } {
  if (error instanceof HttpError) {
    const { statusCode, code, message, field } = error;
    return { status: statusCode, body: { error: { code, message, ...(field ? { field } : {}) } } };
  }
  if ((error as FastifyError).validation) return { status: 400, body: validationAnswer(error as FastifyError) };
  if (isConnectionError(error)) {
    return { status: 503, body: { error: { code: 'dependency_unavailable', message: 'a dependency is unavailable' } } };
  }
  const status = (error as FastifyError).statusCode ?? 500;
  const code = (error as FastifyError).code;
  // Only Fastify's own refusals keep their text: another library's error (Elasticsearch's,
  // PostgreSQL's) says things about our stores that are no business of the client's.
  if (status >= 400 && status < 500 && typeof code === 'string' && code.startsWith('FST_')) {
    return { status, body: { error: { code: FASTIFY_CODES[code] ?? 'bad_request', message: error.message } } };
  }
  if (typeof code === 'string' && code.startsWith('22') && code.length === 5) {
    // PostgreSQL "data exception" (a value out of range...): the input was bad, but say no more.
    request.log.warn({ err: error }, 'database refused a value');
    return { status: 400, body: { error: { code: 'invalid_value', message: 'a value in the request is out of range or malformed' } } };
  }
  request.log.error({ err: error }, 'unhandled error');
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } } };
}

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_BAD_URL: 'bad_url',
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
};

/**
 * Answers `error` with its status and the uniform body. The error handler, and Fastify's
 * `frameworkErrors` for what its router refuses before any route runs (a path parameter over
 * the length limit: 414, a malformed %-escape: 400).
 */
export function replyWithError(error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body } = errorAnswer(error, request);
  if (status === 503) request.log.warn({ err: error }, 'dependency unavailable');
  // JSON parse errors carry statusCode 400 and a SyntaxError's text: keep it, it helps the caller.
  return reply.status(status).send(body);
}

/** Installs the error and not-found handlers that give every failure the uniform body. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(replyWithError);
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}` } }),
  );
}
