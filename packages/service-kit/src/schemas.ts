// Schemas several services share.
import { Type } from '@sinclair/typebox';

/** The uniform error body, for route `response` schemas. */
export const errorSchema = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) }),
});
