// Indexes product-service's `product.created` / `product.updated` events ({ product } in the
// kit's envelope). The event's time (occurredAt, in ms) is the document's external version, so a
// late, older event never replaces newer data. product-service stamps it inside the transaction
// that changes the row, after the row lock, so a later change always gets a later time (up to
// clock skew between its replicas).
import { Type } from '@shopmesh/service-kit';
import { parseEvent, type EventEnvelope } from '@shopmesh/service-kit/kafka';
import type { ProductIndex } from './product-index.ts';

/** The product as product-service puts it in its events (extra fields are ignored). */
const Product = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  name: Type.String(),
  description: Type.String(),
  category: Type.String(),
  price: Type.Integer({ minimum: 0 }),
  stock: Type.Integer({ minimum: 0 }),
});
const ProductEvent = Type.Object({ id: Type.String(), type: Type.String(), occurredAt: Type.String(), product: Product });

const PRODUCT_EVENT_TYPES = new Set(['product.created', 'product.updated']);

interface Logger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export function createProductEventHandler(index: ProductIndex, log: Logger) {
  return async (event: EventEnvelope & Record<string, unknown>): Promise<void> => {
    if (!PRODUCT_EVENT_TYPES.has(event.type)) return;
    // A malformed event is logged and skipped: throwing would redeliver it forever.
    const parsed = parseEvent(ProductEvent, event);
    if (!parsed.ok) {
      log.warn({ eventId: event.id, type: event.type, problem: parsed.problem }, 'skipping malformed product event');
      return;
    }
    const version = Date.parse(event.occurredAt);
    if (Number.isNaN(version)) {
      log.warn({ eventId: event.id, type: event.type }, 'skipping a product event whose occurredAt is not a date');
      return;
    }
    const { id, name, description, category, price, stock } = parsed.value.product;
    const outcome = await index.upsert({ id, name, description, category, price, stock }, version);
    log.debug({ eventId: event.id, productId: id, version, outcome }, 'product event indexed');
  };
}
