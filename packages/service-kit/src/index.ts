// The kit's main entry: bootstrap, config, errors, auth, HTTP client. Stores and brokers are
// separate entries (`@shopmesh/service-kit/db`, `/kafka`, `/redis`) so a service loads only its own.
export { Type, type Static, type TSchema } from '@sinclair/typebox';
export { defineService, buildService, runService } from './service.ts';
export type { App, ServiceContext, ServiceDefinition, ServiceHooks, BuiltService, BuildOptions } from './service.ts';
export { ConfigError, loadConfig, urlVar, hostListVar, pemVar, topicVar, type BaseConfig } from './config.ts';
export {
  HttpError,
  DependencyUnavailableError,
  badRequest,
  unauthorized,
  forbidden,
  notFound,
  conflict,
  isConnectionError,
  type ErrorBody,
} from './errors.ts';
export {
  createAuthGuard,
  currentUser,
  TOKEN_ISSUER,
  TOKEN_AUDIENCE,
  TOKEN_ALGORITHM,
  type AuthGuard,
  type AuthUser,
  type Role,
} from './auth.ts';
export { createHttpClient, type HttpClient, type HttpResponse } from './http-client.ts';
export { REQUEST_ID_HEADER } from './logging.ts';
export { errorSchema } from './schemas.ts';
export { MAX_CHARGE_CENTS } from './money.ts';
export { CursorParam, TimeIdPosition, decodeCursor, encodeCursor } from './cursor.ts';
export { currentTrace, propagationHeaders, TRACEPARENT_HEADER, type RequestTrace } from './trace.ts';
