// The one definition of every event on the contract's topics: its schema, with a version, the
// function producers build it with, and the check consumers run before a handler sees it
// (`consumeEvents` does it: a handler only ever gets a valid, typed event).
//
// Versioning: each event carries `version`. A change a consumer of the current version could
// misread gets a new version number and a new schema here; consumers send versions they do not
// know to the dead-letter topic instead of guessing. Events written before versioning existed
// have no `version` and are read as version 1.
import { randomUUID } from 'node:crypto';
import { FormatRegistry, Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { currentTrace } from './trace.ts';

// An ISO-8601 timestamp that Date.parse understands ("2026-01-01T00:00:00.000Z").
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (value) => ISO_TIME.test(value) && !Number.isNaN(Date.parse(value)));
}

const Id = Type.String({ minLength: 1, maxLength: 128 });

const envelope = <T extends TSchema>(type: T, version: number) => ({
  id: Id,
  type,
  version: Type.Optional(Type.Literal(version)),
  occurredAt: Type.String({ format: 'date-time', maxLength: 40 }),
  // The request that caused it, when there was one: consumers log under its id and trace.
  requestId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  traceparent: Type.Optional(Type.String({ maxLength: 100 })),
});

/** The product as product-service announces it. */
export const ProductPayload = Type.Object({
  id: Id,
  name: Type.String(),
  description: Type.String(),
  category: Type.String(),
  price: Type.Integer({ minimum: 0 }),
  stock: Type.Integer({ minimum: 0 }),
  /** false once the product is withdrawn from sale (absent in events older than the flag: active). */
  active: Type.Optional(Type.Boolean()),
});
export type ProductPayload = Static<typeof ProductPayload>;

/** `product.created` / `product.updated` on `product-events`, version 1. */
export const ProductEvent = Type.Object({
  ...envelope(Type.Union([Type.Literal('product.created'), Type.Literal('product.updated')]), 1),
  product: ProductPayload,
});
export type ProductEvent = Static<typeof ProductEvent>;

export const ORDER_EVENT_TYPES = ['order.created', 'order.paid', 'order.payment_failed', 'order.cancelled'] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

export const OrderItemPayload = Type.Object({
  productId: Id,
  quantity: Type.Integer({ minimum: 1 }),
  unitPrice: Type.Integer({ minimum: 0 }),
});

/** Every order event on `order-events`, version 1: the order as it is after the change. */
export const OrderEvent = Type.Object({
  ...envelope(
    Type.Union([Type.Literal('order.created'), Type.Literal('order.paid'), Type.Literal('order.payment_failed'), Type.Literal('order.cancelled')]),
    1,
  ),
  orderId: Id,
  userId: Id,
  status: Type.String({ minLength: 1, maxLength: 40 }),
  total: Type.Integer({ minimum: 0 }),
  items: Type.Array(OrderItemPayload),
});
export type OrderEvent = Static<typeof OrderEvent>;

/** `review.created` on `review-events`, version 1. */
export const ReviewCreatedEvent = Type.Object({
  ...envelope(Type.Literal('review.created'), 1),
  reviewId: Id,
  productId: Id,
  userId: Id,
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
});
export type ReviewCreatedEvent = Static<typeof ReviewCreatedEvent>;

/** Any event a Shopmesh service publishes. */
export type ShopEvent = ProductEvent | OrderEvent | ReviewCreatedEvent;

const SCHEMAS: Record<string, { schema: TSchema; version: number }> = {
  'product.created': { schema: ProductEvent, version: 1 },
  'product.updated': { schema: ProductEvent, version: 1 },
  ...Object.fromEntries(ORDER_EVENT_TYPES.map((type) => [type, { schema: OrderEvent, version: 1 }])),
  'review.created': { schema: ReviewCreatedEvent, version: 1 },
};

const stamp = () => {
  const trace = currentTrace();
  return {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    ...(trace ? { requestId: trace.requestId, traceparent: trace.traceparent } : {}),
  };
};

export const productEvent = (type: ProductEvent['type'], product: ProductPayload): ProductEvent => ({
  ...stamp(),
  type,
  version: 1,
  product,
});

export const orderEvent = (
  type: OrderEventType,
  order: { orderId: string; userId: string; status: string; total: number; items: OrderEvent['items'] },
): OrderEvent => ({
  ...stamp(),
  type,
  version: 1,
  orderId: order.orderId,
  userId: order.userId,
  status: order.status,
  total: order.total,
  items: order.items.map(({ productId, quantity, unitPrice }) => ({ productId, quantity, unitPrice })),
});

export const reviewCreatedEvent = (review: { reviewId: string; productId: string; userId: string; rating: number }): ReviewCreatedEvent => ({
  ...stamp(),
  type: 'review.created',
  version: 1,
  ...review,
});

export type DecodedEvent =
  | { kind: 'event'; event: ShopEvent }
  /** A type this module does not define (a newer producer): consumers skip it. */
  | { kind: 'unknown'; type: string }
  /** Breaks its schema: consumers send it to the dead-letter topic. */
  | { kind: 'invalid'; problem: string };

/** Checks a consumed message's JSON against the schema of its type and version. */
export function decodeEvent(value: unknown): DecodedEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'invalid', problem: 'not a JSON object' };
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { kind: 'invalid', problem: '/type: required string' };
  const known = SCHEMAS[type];
  if (!known) return { kind: 'unknown', type };
  const version = (value as { version?: unknown }).version;
  if (version !== undefined && version !== known.version) {
    return { kind: 'invalid', problem: `/version: ${type} version ${String(version)} is not supported (this build reads ${known.version})` };
  }
  if (Value.Check(known.schema, value)) return { kind: 'event', event: value as ShopEvent };
  const first = Value.Errors(known.schema, value).First();
  return { kind: 'invalid', problem: first ? `${first.path || '/'}: ${first.message}` : 'invalid event' };
}
