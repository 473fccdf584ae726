// POST /register, /login, /refresh; GET /me and /.well-known/jwks.json.
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  HttpError,
  Type,
  conflict,
  currentUser,
  unauthorized,
  type App,
  type AuthGuard,
} from '@shopmesh/service-kit';
import {
  consumeRefreshToken,
  createAccount,
  findAccountByEmail,
  findAccountById,
  normaliseEmail,
  storeRefreshToken,
  type Account,
} from './accounts.ts';
import type { schema } from './db/schema.ts';
import type { SigningKeys } from './keys.ts';
import { spendVerifyTime, verifyPassword } from './passwords.ts';
import { digestRefreshToken, newRefreshToken, signAccessToken } from './tokens.ts';

export interface AuthRoutesDeps {
  db: NodePgDatabase<typeof schema>;
  keys: SigningKeys;
  guard: AuthGuard;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Requests a minute, per client address and per account. */
  rateLimits: { login: number; register: number; refresh: number };
}

const Email = Type.String({ format: 'email', maxLength: 254 });
const Password = Type.String({ minLength: 8, maxLength: 128 });

const RegisterBody = Type.Object(
  { email: Email, password: Password, name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
const LoginBody = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);
const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);
const emailOf = (request: FastifyRequest): string => normaliseEmail((request.body as { email: string }).email);
const emailTaken = () => conflict('an account with this e-mail already exists', 'email_taken', 'email');

const PublicAccount = Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() });
const Tokens = Type.Object({ accessToken: Type.String(), refreshToken: Type.String(), expiresIn: Type.Integer() });

/**
 * A limit of `max` requests a minute per key: `by` the client's address (an onRequest hook, before
 * the body is read) or by the account the body names (a preHandler, after validation).
 */
function limiter(app: App, route: string, max: number, by: 'address' | ((request: FastifyRequest) => string)) {
  // createRateLimit, not rateLimit: the plugin's own hook runs once per request, and a route has two.
  const check = app.createRateLimit({
    max,
    timeWindow: 60_000,
    keyGenerator: (request) => `${route}:${by === 'address' ? `ip:${request.ip}` : `account:${by(request)}`}`,
  });
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const result = await check(request);
    if (result.isAllowed || !result.isExceeded) return;
    reply.header('retry-after', String(result.ttlInSeconds));
    throw new HttpError(429, 'rate_limited', `too many ${route} requests; retry in ${result.ttlInSeconds} s`);
  };
}

export function registerAuthRoutes(app: App, deps: AuthRoutesDeps): void {
  const issueTokens = async (account: Pick<Account, 'id' | 'email' | 'role'>, familyId?: string) => {
    const refreshToken = newRefreshToken();
    await storeRefreshToken(deps.db, account.id, digestRefreshToken(refreshToken), deps.refreshTokenTtlSeconds, familyId);
    const accessToken = await signAccessToken(deps.keys, account, deps.accessTokenTtlSeconds);
    return { accessToken, refreshToken, expiresIn: deps.accessTokenTtlSeconds };
  };

  app.post(
    '/register',
    {
      schema: { body: RegisterBody, response: { 201: PublicAccount } },
      onRequest: limiter(app, 'register', deps.rateLimits.register, 'address'),
      preHandler: limiter(app, 'register', deps.rateLimits.register, (request) => emailOf(request)),
    },
    async (request, reply) => {
      // A taken address is answered before the costly hash (the insert below still decides races).
      if (await findAccountByEmail(deps.db, request.body.email)) throw emailTaken();
      const account = await createAccount(deps.db, request.body);
      if (!account) throw emailTaken();
      return reply.status(201).send({ id: account.id, email: account.email, name: account.name });
    },
  );

  app.post(
    '/login',
    {
      schema: { body: LoginBody, response: { 200: Tokens } },
      onRequest: limiter(app, 'login', deps.rateLimits.login, 'address'),
      preHandler: limiter(app, 'login', deps.rateLimits.login, (request) => emailOf(request)),
    },
    async (request) => {
      const account = await findAccountByEmail(deps.db, request.body.email);
      if (!account) {
        await spendVerifyTime(request.body.password);
        throw unauthorized('wrong e-mail or password', 'invalid_credentials');
      }
      if (!(await verifyPassword(account.passwordHash, request.body.password))) {
        throw unauthorized('wrong e-mail or password', 'invalid_credentials');
      }
      return issueTokens(account);
    },
  );

  app.post(
    '/refresh',
    {
      schema: { body: RefreshBody, response: { 200: Tokens } },
      onRequest: limiter(app, 'refresh', deps.rateLimits.refresh, 'address'),
      // Per token (its digest): the account is only known once the token is looked up.
      preHandler: limiter(app, 'refresh', deps.rateLimits.refresh, (request) =>
        digestRefreshToken((request.body as { refreshToken: string }).refreshToken),
      ),
    },
    async (request) => {
      const consumed = await consumeRefreshToken(deps.db, digestRefreshToken(request.body.refreshToken));
      if (consumed.outcome === 'reused') {
        request.log.warn('a used refresh token was presented again; its token family is revoked');
        throw unauthorized('refresh token already used: every token of this sign-in is revoked', 'refresh_token_reused');
      }
      const account = consumed.outcome === 'consumed' ? await findAccountById(deps.db, consumed.userId) : undefined;
      if (!account || consumed.outcome !== 'consumed') throw unauthorized('refresh token unknown or expired', 'invalid_refresh_token');
      return issueTokens(account, consumed.familyId);
    },
  );

  app.get(
    '/me',
    {
      onRequest: deps.guard.user,
      schema: {
        response: {
          200: Type.Object({ id: Type.String(), email: Type.String(), name: Type.String(), role: Type.String() }),
        },
      },
    },
    async (request) => {
      const account = await findAccountById(deps.db, currentUser(request).id);
      if (!account) throw unauthorized('the account no longer exists', 'invalid_token');
      return { id: account.id, email: account.email, name: account.name, role: account.role };
    },
  );

  app.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return deps.keys.jwks;
  });
}
