// Bearer-token authentication: RS256 JWTs issued by auth-service, verified against its JWKS.
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
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

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof joseErrors.JWTExpired) return unauthorized('token expired', 'token_expired');
  if (error instanceof joseErrors.JWKSTimeout || (error instanceof Error && error.name === 'TypeError')) {
    // fetch of the JWKS failed (network) — the key server is unavailable, not the token bad.
    return new DependencyUnavailableError('auth-service JWKS', error);
  }
  if (error instanceof joseErrors.JOSEError) return unauthorized('invalid token', 'invalid_token');
  return new DependencyUnavailableError('auth-service JWKS', error);
}

/**
 * An auth guard over a key source: `{ jwksUrl }` for services (keys fetched and cached from
 * auth-service), or `{ keys }` for auth-service itself (its own key set, no HTTP round trip).
 */
export function createAuthGuard(source: { jwksUrl: string } | { keys: JWTVerifyGetKey }): AuthGuard {
  const keys =
    'keys' in source ? source.keys : createRemoteJWKSet(new URL(source.jwksUrl), { timeoutDuration: 2_000 });

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
