// Indexes product-service's `product.created` / `product.updated` events (schema: the kit's
// `events.ts`; the kit's consumer has checked them). The event's time (occurredAt, in ms) is the
// document's external version, so a late, older event never replaces newer data. product-service
// stamps it inside the transaction that changes the row, after the row lock, so a later change
// always gets a later time (up to clock skew between its replicas). A product withdrawn from sale
// (`active: false`) leaves the index.
import type { ShopEvent } from '@shopmesh/service-kit/events';
import type { ProductIndex } from './product-index.ts';

interface Logger {
  debug(obj: object, msg?: string): void;
}

export function createProductEventHandler(index: ProductIndex, log: Logger) {
  return async (event: ShopEvent): Promise<void> => {
    if (event.type !== 'product.created' && event.type !== 'product.updated') return;
    const version = Date.parse(event.occurredAt);
    const { id, name, description, category, price, stock, active } = event.product;
    const outcome =
      active === false
        ? await index.remove(id, version)
        : await index.upsert({ id, name, description, category, price, stock }, version);
    log.debug({ eventId: event.id, productId: id, version, outcome }, 'product event indexed');
  };
}
