// Indexes product-service's `product.created` / `product.updated` events ({ product } in the
// kit's envelope). The document's version orders the writes, so a late, older event is dropped.
import { Type, type Static } from '@shopmesh/service-kit';
import type { EventEnvelope } from '@shopmesh/service-kit/kafka';
import { Value } from '@sinclair/typebox/value';
import type { ProductIndex } from './product-index.ts';

const Product = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  name: Type.String(),
  description: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  category: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  price: Type.Integer({ minimum: 0 }),
  stock: Type.Optional(Type.Integer()),
  /** A counter product-service increments on every change, when it keeps one. */
  version: Type.Optional(Type.Integer({ minimum: 0 })),
  updatedAt: Type.Optional(Type.String()),
});
const ProductEvent = Type.Object({ id: Type.String(), type: Type.String(), occurredAt: Type.String(), product: Product });
type ProductEvent = Static<typeof ProductEvent>;

const PRODUCT_EVENT_TYPES = new Set(['product.created', 'product.updated']);

/**
 * The external version of the document: the product's own version counter when it has one,
 * else the time of the change in milliseconds (its updatedAt, else the event's occurredAt).
 */
export function documentVersion(event: ProductEvent): number | undefined {
  if (event.product.version !== undefined) return event.product.version;
  const at = Date.parse(event.product.updatedAt ?? event.occurredAt);
  return Number.isNaN(at) ? undefined : at;
}

interface Logger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export function createProductEventHandler(index: ProductIndex, log: Logger) {
  return async (event: EventEnvelope & Record<string, unknown>): Promise<void> => {
    if (!PRODUCT_EVENT_TYPES.has(event.type)) return;
    // A malformed event is logged and skipped: throwing would redeliver it forever.
    if (!Value.Check(ProductEvent, event)) {
      const problem = Value.Errors(ProductEvent, event).First();
      log.warn({ eventId: event.id, type: event.type, problem: `${problem?.path}: ${problem?.message}` }, 'skipping malformed product event');
      return;
    }
    const version = documentVersion(event);
    if (version === undefined) {
      log.warn({ eventId: event.id, type: event.type }, 'skipping a product event without a version or a valid date');
      return;
    }
    const { product } = event;
    const outcome = await index.upsert(
      {
        id: product.id,
        name: product.name,
        description: product.description ?? '',
        category: product.category ?? '',
        price: product.price,
        stock: product.stock ?? 0,
      },
      version,
    );
    log.debug({ eventId: event.id, productId: product.id, version, outcome }, 'product event indexed');
  };
}
