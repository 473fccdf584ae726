// The cart as users see it: its lines priced with product-service's current prices.
import type { ProductCatalog } from '@shopmesh/service-kit/peers';
import type { CartStore } from './cart-store.ts';

export interface PricedCart {
  items: { productId: string; quantity: number; unitPrice: number }[];
  /** Integer cents. */
  total: number;
}

/**
 * Prices every line at product-service's current price. A line whose product no longer exists
 * is dropped from the cart: it can never be ordered.
 */
export async function pricedCart(userId: string, store: CartStore, catalog: ProductCatalog): Promise<PricedCart> {
  const lines = await store.lines(userId);
  const products = await Promise.all(lines.map((line) => catalog.find(line.productId)));
  const items: PricedCart['items'] = [];
  const vanished: string[] = [];
  lines.forEach((line, index) => {
    const product = products[index];
    if (product) items.push({ productId: line.productId, quantity: line.quantity, unitPrice: product.price });
    else vanished.push(line.productId);
  });
  await store.remove(userId, vanished);
  return { items, total: items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0) };
}
