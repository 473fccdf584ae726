// The catalogue in product-db. Every change is committed with its product event (outbox).
import { and, count, desc, eq, gte, lte, type SQL } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { productEvent } from '@shopmesh/service-kit/events';
import { TOPICS } from '@shopmesh/service-kit/kafka';
import { enqueueEvent } from '@shopmesh/service-kit/outbox';
import { products, type schema } from './db/schema.ts';
import {
  toProduct,
  type CataloguePage,
  type CatalogueQuery,
  type NewProduct,
  type Product,
  type ProductChanges,
} from './product.ts';

type Db = NodePgDatabase<typeof schema>;

export async function listProducts(db: Db, query: CatalogueQuery): Promise<CataloguePage> {
  const filters: SQL[] = [eq(products.active, true)];
  if (query.category !== undefined) filters.push(eq(products.category, query.category));
  if (query.minPrice !== undefined) filters.push(gte(products.price, query.minPrice));
  if (query.maxPrice !== undefined) filters.push(lte(products.price, query.maxPrice));
  const where = filters.length > 0 ? and(...filters) : undefined;
  const [rows, [totals]] = await Promise.all([
    db
      .select()
      .from(products)
      .where(where)
      .orderBy(desc(products.createdAt), desc(products.id))
      .limit(query.limit)
      .offset((query.page - 1) * query.limit),
    db.select({ total: count() }).from(products).where(where),
  ]);
  return { items: rows.map(toProduct), total: totals?.total ?? 0, page: query.page, limit: query.limit };
}

export async function findProduct(db: Db, id: string): Promise<Product | undefined> {
  const [row] = await db.select().from(products).where(eq(products.id, id));
  return row ? toProduct(row) : undefined;
}

export function createProduct(db: Db, input: NewProduct): Promise<Product> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(products).values(input).returning();
    const product = toProduct(row!);
    await enqueueEvent(tx, TOPICS.productEvents, productEvent('product.created', product), product.id);
    return product;
  });
}

/** Applies the changes; undefined when there is no such product. */
export function updateProduct(db: Db, id: string, changes: ProductChanges): Promise<Product | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(products)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(products.id, id))
      .returning();
    if (!row) return undefined;
    const product = toProduct(row);
    await enqueueEvent(tx, TOPICS.productEvents, productEvent('product.updated', product), product.id);
    return product;
  });
}
