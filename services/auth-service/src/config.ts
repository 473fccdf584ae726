import { Type, pemVar, urlVar } from '@shopmesh/service-kit';

export const authConfigSchema = Type.Object({
  DATABASE_URL: urlVar(['postgres', 'postgresql']),
  JWT_PRIVATE_KEY: pemVar('PRIVATE KEY'),
  ADMIN_EMAIL: Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$', description: 'an e-mail address' }),
  ADMIN_PASSWORD: Type.String({ minLength: 8, description: 'a password of at least 8 characters' }),
  ACCESS_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 30, default: 900 }),
  REFRESH_TOKEN_TTL_SECONDS: Type.Integer({ minimum: 60, default: 7 * 24 * 3600 }),
  // Rate limits, per client address and per account, kept in Redis so every replica counts together.
  REDIS_URL: urlVar(['redis', 'rediss']),
  LOGIN_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 10 }),
  REGISTER_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 5 }),
  REFRESH_RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 30 }),
  // Prefix of the counters' keys (tests give each run its own).
  RATE_LIMIT_KEY_PREFIX: Type.String({ minLength: 1, maxLength: 100, default: 'auth-rate:' }),
});
