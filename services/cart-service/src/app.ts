// cart-service: each user's cart in Redis, priced against product-service.
import { buildService, createAuthGuard, defineService, type BuildOptions } from '@shopmesh/service-kit';
import { connectRedis } from '@shopmesh/service-kit/redis';
import { createProductCatalog } from '@shopmesh/service-kit/peers';
import { createCartStore } from './cart-store.ts';
import { cartConfigSchema } from './config.ts';
import { registerCartRoutes } from './routes.ts';

export const cartService = defineService({
  name: 'cart-service',
  port: 3003,
  config: cartConfigSchema,
  async setup(service) {
    const { app, config } = service;
    const redis = connectRedis(service, config.REDIS_URL);
    const catalog = createProductCatalog(config.PRODUCT_SERVICE_URL);

    registerCartRoutes(app, {
      store: createCartStore(redis.redis, config.CART_TTL_SECONDS),
      catalog,
      guard: createAuthGuard({ jwksUrl: config.AUTH_JWKS_URL }),
    });
  },
});

export const buildApp = (options: BuildOptions = {}) => buildService(cartService, options);
