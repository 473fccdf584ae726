// Bearer-token authentication: RS256 JWTs issued by auth-service, verified against its JWKS.
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { DependencyUnavailableError, HttpError, forbidden, unauthorized } from './errors.ts';

/** The claims every access token carries; auth-service signs with these, services check them. */
export const TOKEN_ISSUER = 'shopmesh-auth';
export const TOKEN_AUDIENCE = 'shopmesh';
export const TOKEN_ALGORITHM = 'RS256';

export type Role = 'user' | 'admin';

export interface AuthUser {
  id: string;
  email: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by an auth guard; null on routes without one. */
    user: AuthUser | null;
  }
}

/**
 * Register a guard as the route's `onRequest` hook (`{ onRequest: guard.user, schema: ... }`):
 * it runs before the body is parsed and validated, so a request without a valid token is a 401
 * (or 403) whatever its body. As a `preHandler` it would run after validation (a 400 first).
 */
export interface AuthGuard {
  /** onRequest hook: any signed-in user, else 401. */
  user: onRequestAsyncHookHandler;
  /** onRequest hook: an admin, else 401 (no/bad token) or 403 (a user). */
  admin: onRequestAsyncHookHandler;
  /** Verifies a raw token; throws 401/503 HttpErrors. */
  verify(token: string): Promise<AuthUser>;
}

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (!header) throw unauthorized('missing Authorization header');
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw unauthorized('Authorization header must be "Bearer <token>"');
  return match[1];
}

/** Raised when the key server cannot be reached and no keys were ever fetched. */
class KeysUnavailableError extends Error {
  override name = 'KeysUnavailableError';
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof joseErrors.JWTExpired) return unauthorized('token expired', 'token_expired');
  if (error instanceof KeysUnavailableError) {
    // The key server is unavailable (and no keys were ever fetched), not the token bad.
    return new DependencyUnavailableError('auth-service JWKS', error);
  }
  if (error instanceof joseErrors.JOSEError) return unauthorized('invalid token', 'invalid_token');
  return new DependencyUnavailableError('auth-service JWKS', error);
}

/**
 * auth-service's public keys, fetched from `jwksUrl` and refreshed every `refreshMs` (sooner when a
 * token names a key not in the set: a rotation, at most once per `cooldownMs`). When auth-service
 * cannot be reached, verification goes on with the last keys fetched: an outage of auth-service
 * stops log-ins, not every authenticated request of the shop. Only a service that never fetched
 * any key answers 503.
 */
export function createCachedRemoteKeys(
  jwksUrl: string,
  options: { refreshMs?: number; cooldownMs?: number; timeoutMs?: number } = {},
): JWTVerifyGetKey & { fetchedAt(): number | undefined } {
  const refreshMs = options.refreshMs ?? 5 * 60_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  let keys: ReturnType<typeof createLocalJWKSet> | undefined;
  let fetchedAt: number | undefined;
  let lastAttempt = 0;
  let inFlight: Promise<void> | undefined;

  const fetchKeys = (): Promise<void> =>
    (inFlight ??= (async () => {
      lastAttempt = Date.now();
      try {
        const response = await fetch(jwksUrl, { signal: AbortSignal.timeout(options.timeoutMs ?? 2_000) });
        if (!response.ok) throw new KeysUnavailableError(`${jwksUrl} answered ${response.status}`);
        const set = (await response.json()) as JSONWebKeySet;
        keys = createLocalJWKSet(set);
        fetchedAt = Date.now();
      } catch (error) {
        throw error instanceof KeysUnavailableError ? error : new KeysUnavailableError(`${jwksUrl}: ${String(error)}`, { cause: error });
      }
    })().finally(() => (inFlight = undefined)));

  const getKey = (async (header, token) => {
    const stale = fetchedAt === undefined || Date.now() - fetchedAt > refreshMs;
    if (stale && Date.now() - lastAttempt > (keys ? cooldownMs : 0)) {
      // With keys in hand a failed refresh is not an error: the last keys stay in use.
      await fetchKeys().catch((error: unknown) => {
        if (!keys) throw error;
      });
    }
    if (!keys) throw new KeysUnavailableError(`no keys from ${jwksUrl} yet`);
    try {
      return await keys(header, token);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey) || Date.now() - lastAttempt < cooldownMs) throw error;
      await fetchKeys(); // a key we do not know: maybe a new one; unreachable -> 503, not 401
      return keys(header, token);
    }
  }) as JWTVerifyGetKey & { fetchedAt(): number | undefined };
  getKey.fetchedAt = () => fetchedAt;
  return getKey;
}

/**
 * An auth guard over a key source: `{ jwksUrl }` for services (keys fetched and cached from
 * auth-service; see createCachedRemoteKeys), or `{ keys }` for auth-service itself (its own key
 * set, no HTTP round trip).
 */
export function createAuthGuard(
  source: { jwksUrl: string; refreshMs?: number; cooldownMs?: number } | { keys: JWTVerifyGetKey },
): AuthGuard {
  const keys = 'keys' in source ? source.keys : createCachedRemoteKeys(source.jwksUrl, source);

  async function verify(token: string): Promise<AuthUser> {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: TOKEN_ISSUER,
        audience: TOKEN_AUDIENCE,
        algorithms: [TOKEN_ALGORITHM],
        typ: 'at+jwt',
      });
      const { sub, email, role } = payload;
      if (typeof sub !== 'string' || typeof email !== 'string' || (role !== 'user' && role !== 'admin')) {
        throw unauthorized('token lacks sub, email or role', 'invalid_token');
      }
      return { id: sub, email, role };
    } catch (error) {
      throw toHttpError(error);
    }
  }

  const user: onRequestAsyncHookHandler = async (request) => {
    request.user = await verify(bearerToken(request));
  };
  const admin: onRequestAsyncHookHandler = async (request) => {
    request.user = await verify(bearerToken(request));
    if (request.user.role !== 'admin') throw forbidden('admin role required');
  };
  return { user, admin, verify };
}

/** The signed-in user of a request behind a guard (401 when a route forgot its guard). */
export function currentUser(request: FastifyRequest): AuthUser {
  if (!request.user) throw unauthorized();
  return request.user;
}
