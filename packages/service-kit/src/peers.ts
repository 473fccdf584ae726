// Clients of the services other services call: product-service's catalogue, the source of truth
// for prices and stock (cart-, order- and review-service look products up there).
import { DependencyUnavailableError } from './errors.ts';
import { createHttpClient } from './http-client.ts';

/** A product as product-service answers it (the fields its callers use). */
export interface Product {
  id: string;
  name: string;
  /** Integer cents. */
  price: number;
  stock: number;
  /** false: withdrawn from sale. */
  active?: boolean;
}

export interface ProductCatalog {
  /** The product, or undefined when product-service does not know it or it is withdrawn from sale. */
  find(productId: string): Promise<Product | undefined>;
  /** Readiness: product-service answers. */
  check(): Promise<void>;
}

const isProduct = (body: unknown): body is Product => {
  const candidate = body as Partial<Product> | undefined;
  return (
    typeof candidate?.id === 'string' && Number.isInteger(candidate.price) && Number.isInteger(candidate.stock)
  );
};

/**
 * product-service at `baseUrl` (PRODUCT_SERVICE_URL). An unknown id is undefined; an
 * unreachable or misbehaving product-service is a DependencyUnavailableError (503).
 */
export function createProductCatalog(baseUrl: string): ProductCatalog {
  const client = createHttpClient({ name: 'product-service', baseUrl });
  return {
    async find(productId) {
      const response = await client.get(`/${encodeURIComponent(productId)}`);
      // product-service answers 400 for an id that cannot be one of its ids: unknown all the same.
      if (response.status === 404 || response.status === 400) return undefined;
      if (response.status !== 200 || !isProduct(response.body)) {
        throw new DependencyUnavailableError(
          'product-service',
          new Error(`GET /${productId} answered ${response.status} without a product`),
        );
      }
      // A product withdrawn from sale can no longer be put in a cart, ordered or reviewed.
      return response.body.active === false ? undefined : response.body;
    },
    check: client.check,
  };
}
