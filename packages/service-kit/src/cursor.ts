// Keyset paging: a list answers `nextCursor`, an opaque token naming where the page ended (for
// most lists the last item's creation time and id); the client sends it back as `?cursor=` to
// get the next page. Unlike an offset, a row inserted meanwhile never shifts a page.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { badRequest } from './errors.ts';

/** The `cursor` query parameter (give lists `cursor: Type.Optional(CursorParam)`). */
export const CursorParam = Type.String({ minLength: 1, maxLength: 512, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page' });

/** Where a page ended, as the opaque text a client sends back. */
export const encodeCursor = (position: unknown): string => Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');

/** The position a cursor names, checked against `schema`; a 400 naming `cursor` otherwise. */
export function decodeCursor<S extends TSchema>(schema: S, cursor: string): Static<S> {
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('cursor is not one this list gave', 'cursor');
  }
  if (!Value.Check(schema, position)) throw badRequest('cursor is not one this list gave', 'cursor');
  return position;
}

/** A creation time and an id: the position of most lists (newest first, id breaking ties). */
export const TimeIdPosition = Type.Tuple([Type.String({ minLength: 1, maxLength: 40 }), Type.String({ minLength: 1, maxLength: 128 })]);
