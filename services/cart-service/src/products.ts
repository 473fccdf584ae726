// Product look-ups at product-service: the source of truth for prices and stock.
import { DependencyUnavailableError, createHttpClient } from '@shopmesh/service-kit';

export interface Product {
  id: string;
  name: string;
  price: number;
  stock: number;
}

export interface ProductCatalog {
  /** The product, or undefined when product-service does not know it. */
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
      return response.body;
    },
    async check() {
      const response = await client.get('/healthz');
      if (response.status !== 200) throw new Error(`product-service /healthz answered ${response.status}`);
    },
  };
}
