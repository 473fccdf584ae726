// auth-service: accounts, passwords and the tokens every other service trusts.
import rateLimit from '@fastify/rate-limit';
import { buildService, createAuthGuard, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { connectPostgres } from '@shopmesh/service-kit/db';
import { connectRedis } from '@shopmesh/service-kit/redis';
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

    // Counters in Redis (shared by the replicas); keyed on the client address the kit derives
    // from the trusted proxies only (TRUSTED_PROXY_HOPS), and on the account.
    const redis = connectRedis(service, config.REDIS_URL);
    await app.register(rateLimit, { global: false, redis: redis.redis, nameSpace: config.RATE_LIMIT_KEY_PREFIX, skipOnError: false });
    registerAuthRoutes(app, {
      db: postgres.db,
      keys,
      guard: createAuthGuard({ keys: keys.verifyKeys }),
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL_SECONDS,
      rateLimits: {
        login: config.LOGIN_RATE_LIMIT_PER_MINUTE,
        register: config.REGISTER_RATE_LIMIT_PER_MINUTE,
        refresh: config.REFRESH_RATE_LIMIT_PER_MINUTE,
      },
    });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(authService, options);
