// auth-service: accounts, passwords and the tokens every other service trusts.
import rateLimit from '@fastify/rate-limit';
import { buildService, createAuthGuard, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { connectPostgres } from '@shopmesh/service-kit/db';
import { ensureAdmin } from './accounts.ts';
import { authConfigSchema } from './config.ts';
import { schema } from './db/schema.ts';
import { loadSigningKeys } from './keys.ts';
import { registerAuthRoutes } from './routes.ts';

export const authService = defineService({
  name: 'auth-service',
  port: 3001,
  config: authConfigSchema,
  async setup(service) {
    const { app, config, log } = service;
    const keys = await loadSigningKeys(config.JWT_PRIVATE_KEY);
    const postgres = connectPostgres(service, config.DATABASE_URL, schema);

    const admin = await ensureAdmin(postgres.db, config.ADMIN_EMAIL, config.ADMIN_PASSWORD);
    log.info({ email: config.ADMIN_EMAIL, admin }, 'admin account checked');

    await app.register(rateLimit, { global: false });
    registerAuthRoutes(app, {
      db: postgres.db,
      keys,
      guard: createAuthGuard({ keys: keys.verifyKeys }),
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
      loginRateLimitPerMinute: config.LOGIN_RATE_LIMIT_PER_MINUTE,
    });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(authService, options);
