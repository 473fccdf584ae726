// The user's cart at cart-service: read on the user's behalf (the user's own bearer token is
// forwarded, so cart-service applies the same authentication as to the user), and trimmed after a
// paid order through cart-service's internal API (order-service only, by the mesh policy), which
// also serves orders the reconciler settles with no user request at hand.
import { DependencyUnavailableError, createHttpClient } from '@shopmesh/service-kit';

export interface CartLine {
  productId: string;
  quantity: number;
}

export interface CartClient {
  lines(authorization: string): Promise<CartLine[]>;
  /** Takes a paid order's quantities out of the user's cart (once per order; lines added since stay). */
  removeOrdered(userId: string, orderId: string, lines: CartLine[]): Promise<void>;
  /** Readiness: cart-service answers. */
  check(): Promise<void>;
}

const isCart = (body: unknown): body is { items: CartLine[] } =>
  Array.isArray((body as { items?: unknown } | undefined)?.items);

export function createCartClient(baseUrl: string): CartClient {
  const client = createHttpClient({ name: 'cart-service', baseUrl });
  const unexpected = (what: string, status: number) =>
    new DependencyUnavailableError('cart-service', new Error(`${what} answered ${status}`));
  return {
    async lines(authorization) {
      const response = await client.get('/', { authorization });
      if (response.status !== 200 || !isCart(response.body)) throw unexpected('GET /', response.status);
      return response.body.items.map(({ productId, quantity }) => ({ productId, quantity }));
    },
    async removeOrdered(userId, orderId, lines) {
      const items = lines.map(({ productId, quantity }) => ({ productId, quantity }));
      const path = `/internal/carts/${encodeURIComponent(userId)}/removals`;
      const response = await client.request('POST', path, { body: { orderId, items } });
      if (response.status !== 200) throw unexpected(`POST ${path}`, response.status);
    },
    check: client.check,
  };
}
