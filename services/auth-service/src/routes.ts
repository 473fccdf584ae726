// POST /register, /login, /refresh; GET /me and /.well-known/jwks.json.
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
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
  loginRateLimitPerMinute: number;
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
const PublicAccount = Type.Object({ id: Type.String(), email: Type.String(), name: Type.String() });
const Tokens = Type.Object({ accessToken: Type.String(), refreshToken: Type.String(), expiresIn: Type.Integer() });

export function registerAuthRoutes(app: App, deps: AuthRoutesDeps): void {
  const issueTokens = async (account: Pick<Account, 'id' | 'email' | 'role'>) => {
    const refreshToken = newRefreshToken();
    await storeRefreshToken(deps.db, account.id, digestRefreshToken(refreshToken), deps.refreshTokenTtlSeconds);
    const accessToken = await signAccessToken(deps.keys, account, deps.accessTokenTtlSeconds);
    return { accessToken, refreshToken, expiresIn: deps.accessTokenTtlSeconds };
  };

  app.post(
    '/register',
    { schema: { body: RegisterBody, response: { 201: PublicAccount } } },
    async (request, reply) => {
      const account = await createAccount(deps.db, request.body);
      if (!account) throw conflict('an account with this e-mail already exists', 'email_taken', 'email');
      return reply.status(201).send({ id: account.id, email: account.email, name: account.name });
    },
  );

  app.post(
    '/login',
    {
      schema: { body: LoginBody, response: { 200: Tokens } },
      config: {
        rateLimit: {
          max: deps.loginRateLimitPerMinute,
          timeWindow: 60_000,
          errorResponseBuilder: (_request, context) =>
            new HttpError(429, 'rate_limited', `too many login attempts; retry in ${Math.ceil(context.ttl / 1000)} s`),
        },
      },
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

  app.post('/refresh', { schema: { body: RefreshBody, response: { 200: Tokens } } }, async (request) => {
    const userId = await consumeRefreshToken(deps.db, digestRefreshToken(request.body.refreshToken));
    const account = userId ? await findAccountById(deps.db, userId) : undefined;
    if (!account) throw unauthorized('refresh token unknown, expired or already used', 'invalid_refresh_token');
    return issueTokens(account);
  });

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
