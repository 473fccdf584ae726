// Re-prices a cart at product-service's current prices and checks stock, just before charging.
import { conflict } from '@shopmesh/service-kit';
import type { ProductCatalog } from '@shopmesh/service-kit/peers';
import type { CartLine } from './cart.ts';
import type { OrderItem } from './orders.ts';

export interface PricedItems {
  items: OrderItem[];
  /** Integer cents. */
  total: number;
}

/** 409 when a product is gone from the catalogue or has less stock than the cart holds. */
export async function priceCart(lines: CartLine[], catalog: ProductCatalog): Promise<PricedItems> {
  const products = await Promise.all(lines.map((line) => catalog.find(line.productId)));
  const items = lines.map((line, index): OrderItem => {
    const product = products[index];
    if (!product) throw conflict(`product ${line.productId} is no longer sold`, 'product_unavailable', 'productId');
    if (line.quantity > product.stock) {
      throw conflict(`only ${product.stock} of product ${line.productId} in stock`, 'insufficient_stock', 'quantity');
    }
    return { productId: line.productId, quantity: line.quantity, unitPrice: product.price };
  });
  return { items, total: items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0) };
}
