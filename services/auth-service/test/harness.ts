// A real auth-service for other services' tests: its own database on the test PostgreSQL, a
// fresh RSA key, listening on a free port. Import as `@shopmesh/auth-service/testing`.
import { generateKeyPairSync } from 'node:crypto';
import { applyMigrations } from '@shopmesh/service-kit/db';
import { callJson, createTestDatabase, listenOnFreePort, uniqueSuffix } from '@shopmesh/service-kit/testing';
import { server } from '@shopmesh/testkit';
import { buildApp } from '../src/app.ts';

export interface RunningAuthService {
  url: string;
  /** The service's own database (for tests that look at what it stored). */
  databaseUrl: string;
  jwksUrl: string;
  admin: { email: string; password: string };
  /** Registers a fresh user and logs in; returns its id and tokens. */
  newUser(): Promise<{ id: string; email: string; password: string; accessToken: string; refreshToken: string }>;
  /** Logs in as the admin. */
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

export const newPrivateKeyPem = (): string =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

export const authMigrationsFolder = new URL('../drizzle/', import.meta.url).pathname;

/**
 * `redisUrl`: the test Redis (the rate limits' counters, under a prefix of this run's own); by
 * default the test environment's.
 */
export async function startAuthService(
  postgresServerUrl: string,
  env: NodeJS.ProcessEnv = {},
  redisUrl = server('REDIS_URL')!,
): Promise<RunningAuthService> {
  const database = await createTestDatabase(postgresServerUrl, 'auth_test');
  await applyMigrations({ url: database.url, migrationsFolder: authMigrationsFolder });
  const admin = { email: `admin-${uniqueSuffix()}@shop.test`, password: 'admin-password-1' };
  const { app } = await buildApp({
    env: {
      DATABASE_URL: database.url,
      JWT_PRIVATE_KEY: newPrivateKeyPem(),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      LOG_LEVEL: 'warn',
      REDIS_URL: redisUrl,
      RATE_LIMIT_KEY_PREFIX: `auth-rate-test-${uniqueSuffix()}:`,
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
      REGISTER_RATE_LIMIT_PER_MINUTE: '1000',
      REFRESH_RATE_LIMIT_PER_MINUTE: '1000',
      ...env,
    },
  });
  const url = await listenOnFreePort(app);

  const post = async (path: string, body: unknown): Promise<Record<string, string>> => {
    const answer = await callJson(url, 'POST', path, { body });
    if (answer.status >= 300) throw new Error(`auth-service ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body as Record<string, string>;
  };

  return {
    url,
    databaseUrl: database.url,
    jwksUrl: `${url}/.well-known/jwks.json`,
    admin,
    async newUser() {
      const email = `user-${uniqueSuffix()}@shop.test`;
      const password = 'user-password-1';
      const { id } = await post('/register', { email, password, name: 'Test User' });
      const tokens = await post('/login', { email, password });
      return { id: id!, email, password, accessToken: tokens.accessToken!, refreshToken: tokens.refreshToken! };
    },
    async adminToken() {
      return (await post('/login', admin)).accessToken!;
    },
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
