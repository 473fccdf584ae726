// A real cart-service for other services' tests, listening on a free port. Import as
// `@shopmesh/cart-service/testing`.
import { listenOnFreePort } from '@shopmesh/service-kit/testing';
import { buildApp } from '../src/app.ts';

// Shared with order- and review-service's tests until product-service and the kit ship their own.
export { startProductService, type RunningProductService, type TestProduct } from './product-fixture.ts';
export { call, type Json } from './http.ts';
export { collectEvents, type EventCollector, type RecordedEvent } from './event-collector.ts';
export { imageSuite, type ImageSpec } from './image-checks.ts';

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
