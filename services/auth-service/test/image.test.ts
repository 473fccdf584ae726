// auth-service's image (the kit's container checks) against the real PostgreSQL.
import { imageSuite } from '@shopmesh/service-kit/testing-docker';
import { newPrivateKeyPem } from './harness.ts';

imageSuite({
  service: 'auth-service',
  needs: ['REDIS_URL'],
  hasDatabase: true,
  misconfigured: { env: { PORT: '70000' }, mentions: ['DATABASE_URL', 'REDIS_URL', 'JWT_PRIVATE_KEY', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'PORT'] },
  async dependencies({ databaseUrl, servers }) {
    return {
      env: {
        DATABASE_URL: databaseUrl!,
        JWT_PRIVATE_KEY: newPrivateKeyPem(),
        ADMIN_EMAIL: 'admin@shop.test',
        ADMIN_PASSWORD: 'admin-password',
        REDIS_URL: servers.REDIS_URL,
      },
    };
  },
  containers: [{ readinessChecks: ['postgres', 'redis'] }],
});
