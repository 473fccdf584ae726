// A real cart-service for other services' tests, listening on a free port. Import as
// `@shopmesh/cart-service/testing`.
import { listenOnFreePort } from '@shopmesh/service-kit/testing';
import { buildApp } from '../src/app.ts';

export interface RunningCartService {
  url: string;
  close(): Promise<void>;
}

export async function startCartService(env: {
  REDIS_URL: string;
  AUTH_JWKS_URL: string;
  PRODUCT_SERVICE_URL: string;
}): Promise<RunningCartService> {
  const { app } = await buildApp({ env: { LOG_LEVEL: 'warn', ...env } });
  const url = await listenOnFreePort(app);
  return { url, close: () => app.close() };
}
