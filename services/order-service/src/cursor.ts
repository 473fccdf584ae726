// The cursor of GET /orders/ (the kit's keyset cursor): the last order's creation time, at the
// microsecond PostgreSQL keeps, and its id.
import { Type, badRequest, decodeCursor, encodeCursor } from '@shopmesh/service-kit';
import type { OrderCursor } from './orders.ts';

const OrderPosition = Type.Tuple([
  Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$' }),
  Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' }),
]);

export const encodeOrderCursor = (cursor: OrderCursor): string => encodeCursor([cursor.createdAt, cursor.id]);

/** The cursor, or a 400 on field `cursor` when it is not one this service wrote. */
export function decodeOrderCursor(text: string): OrderCursor {
  const [createdAt, id] = decodeCursor(OrderPosition, text);
  // The pattern lets through dates no calendar has (month 13), which PostgreSQL would refuse.
  if (Number.isNaN(Date.parse(createdAt))) throw badRequest('cursor is not one this list gave', 'cursor');
  return { createdAt, id };
}
