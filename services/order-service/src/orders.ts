// Orders and their items in order-db.
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { orderItems, orders, type OrderStatus, type schema } from './db/schema.ts';

export type Db = NodePgDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface OrderItem {
  productId: string;
  quantity: number;
  /** Integer cents, as re-priced when the order was placed. */
  unitPrice: number;
}

export interface Order {
  id: string;
  userId: string;
  status: OrderStatus;
  total: number;
  items: OrderItem[];
  createdAt: Date;
}

type OrderRow = typeof orders.$inferSelect;

/** Runs in the transaction that changes an order (to enqueue its events); throwing rolls it back. */
export type InTransaction = (order: Order, tx: Tx) => Promise<void>;

export interface OrderRepository {
  findByKey(userId: string, idempotencyKey: string): Promise<Order | undefined>;
  findById(id: string): Promise<Order | undefined>;
  /** The user's order; undefined when it does not exist or is someone else's. */
  findForUser(userId: string, id: string): Promise<Order | undefined>;
  /** Newest first. */
  listForUser(userId: string, limit: number): Promise<Order[]>;
  /**
   * Stores a pending order; undefined when the user already has an order with this key (a
   * concurrent duplicate request: the unique index decides which one wins).
   */
  insertPending(
    input: { userId: string; idempotencyKey: string; items: OrderItem[]; total: number },
    inTransaction: InTransaction,
  ): Promise<Order | undefined>;
  /** Records the charge's outcome; undefined when the order was no longer pending. */
  settle(
    id: string,
    outcome: { status: Exclude<OrderStatus, 'pending'>; paymentId?: string },
    inTransaction: InTransaction,
  ): Promise<Order | undefined>;
}

export function createOrderRepository(db: Db): OrderRepository {
  const itemsOf = async (executor: Db | Tx, orderIds: string[]): Promise<Map<string, OrderItem[]>> => {
    const byOrder = new Map<string, OrderItem[]>(orderIds.map((id) => [id, []]));
    if (orderIds.length === 0) return byOrder;
    const rows = await executor
      .select()
      .from(orderItems)
      .where(inArray(orderItems.orderId, orderIds))
      .orderBy(orderItems.productId);
    for (const { orderId, productId, quantity, unitPrice } of rows) {
      byOrder.get(orderId)?.push({ productId, quantity, unitPrice });
    }
    return byOrder;
  };

  const withItems = async (executor: Db | Tx, rows: OrderRow[]): Promise<Order[]> => {
    const items = await itemsOf(executor, rows.map((row) => row.id));
    return rows.map((row) => ({
      id: row.id,
      userId: row.userId,
      status: row.status,
      total: row.total,
      items: items.get(row.id) ?? [],
      createdAt: row.createdAt,
    }));
  };

  const first = async (executor: Db | Tx, rows: OrderRow[]): Promise<Order | undefined> =>
    (await withItems(executor, rows))[0];

  return {
    async findByKey(userId, idempotencyKey) {
      return first(
        db,
        await db.select().from(orders).where(and(eq(orders.userId, userId), eq(orders.idempotencyKey, idempotencyKey))),
      );
    },
    async findById(id) {
      return first(db, await db.select().from(orders).where(eq(orders.id, id)));
    },
    async findForUser(userId, id) {
      return first(db, await db.select().from(orders).where(and(eq(orders.id, id), eq(orders.userId, userId))));
    },
    async listForUser(userId, limit) {
      const rows = await db
        .select()
        .from(orders)
        .where(eq(orders.userId, userId))
        .orderBy(desc(orders.createdAt), desc(orders.id))
        .limit(limit);
      return withItems(db, rows);
    },
    insertPending(input, inTransaction) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(orders)
          .values({ userId: input.userId, idempotencyKey: input.idempotencyKey, total: input.total })
          .onConflictDoNothing({ target: [orders.userId, orders.idempotencyKey] })
          .returning();
        if (!row) return undefined;
        await tx.insert(orderItems).values(input.items.map((item) => ({ ...item, orderId: row.id })));
        const order = (await first(tx, [row]))!;
        await inTransaction(order, tx);
        return order;
      });
    },
    settle(id, outcome, inTransaction) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(orders)
          .set({ status: outcome.status, paymentId: outcome.paymentId ?? null, updatedAt: new Date() })
          .where(and(eq(orders.id, id), eq(orders.status, 'pending')))
          .returning();
        if (!row) return undefined;
        const order = (await first(tx, [row]))!;
        await inTransaction(order, tx);
        return order;
      });
    },
  };
}
