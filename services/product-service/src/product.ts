// The product as the API shows it, and its schemas.
import { Type, type Static } from '@shopmesh/service-kit';
import type { products } from './db/schema.ts';

const fields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.String({ maxLength: 2_000 }),
  price: Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'cents' }),
  category: Type.String({ minLength: 1, maxLength: 50 }),
  stock: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
};

/** `active: false` withdraws a product from sale: it leaves the catalogue list and the search index. */
const active = Type.Boolean();

export const Product = Type.Object({ id: Type.String(), ...fields, active });
export type Product = Static<typeof Product>;

export const NewProduct = Type.Object(fields, { additionalProperties: false });
export type NewProduct = Static<typeof NewProduct>;

export const ProductChanges = Type.Partial(Type.Object({ ...fields, active }), { additionalProperties: false, minProperties: 1 });
export type ProductChanges = Static<typeof ProductChanges>;

export const CatalogueQuery = Type.Object(
  {
    page: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    // Bounded like a price: a larger value is a 400, never a database error.
    minPrice: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
    maxPrice: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000 })),
  },
  { additionalProperties: false },
);
export type CatalogueQuery = Static<typeof CatalogueQuery>;

export const CataloguePage = Type.Object({
  items: Type.Array(Product),
  total: Type.Integer(),
  page: Type.Integer(),
  limit: Type.Integer(),
});
export type CataloguePage = Static<typeof CataloguePage>;

export const toProduct = (row: typeof products.$inferSelect): Product => ({
  id: row.id,
  name: row.name,
  description: row.description,
  price: row.price,
  category: row.category,
  stock: row.stock,
  active: row.active,
});
