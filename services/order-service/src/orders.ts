// Orders and their items in order-db. Status changes go through `move`, which asks lifecycle.ts
// whether the change is allowed and applies it only if the order is still in the status it was
// read in (so concurrent settlers cannot both move it).
import { and, asc, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { orderItems, orders, type schema } from './db/schema.ts';
import { assertMove, type FinalStatus, type OrderStatus } from './lifecycle.ts';

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
  failureReason: string | undefined;
  stockReserved: boolean;
  stockReleased: boolean;
  createdAt: Date;
}

/** Where a page of a user's orders starts: after the order with this creation time and id. */
export interface OrderCursor {
  /** The creation time at PostgreSQL's precision (microseconds), ISO 8601 in UTC. */
  createdAt: string;
  id: string;
}

export interface OrderPage {
  orders: Order[];
  /** The cursor of the next page; undefined on the last one. */
  next: OrderCursor | undefined;
}

type OrderRow = typeof orders.$inferSelect;

/** Runs in the transaction that changes an order (to enqueue its events); throwing rolls it back. */
export type InTransaction = (order: Order, tx: Tx) => Promise<void>;

export interface OrderRepository {
  findByKey(userId: string, idempotencyKey: string): Promise<Order | undefined>;
  findById(id: string): Promise<Order | undefined>;
  /** The user's order; undefined when it does not exist or is someone else's. */
  findForUser(userId: string, id: string): Promise<Order | undefined>;
  /** Newest first, `limit` at most, after `cursor` when given. */
  listForUser(userId: string, limit: number, cursor?: OrderCursor): Promise<OrderPage>;
  /**
   * Stores a pending order; undefined when the user already has an order with this key (a
   * concurrent duplicate request: the unique index decides which one wins).
   */
  insertPending(input: { userId: string; idempotencyKey: string; items: OrderItem[]; total: number }): Promise<Order | undefined>;
  /** A pending order whose stock was never reserved goes, items and all; false when it was not such an order. */
  discard(id: string): Promise<boolean>;
  /** Records that the order's stock is reserved; undefined when it is no longer pending or was already marked. */
  markStockReserved(id: string, inTransaction: InTransaction): Promise<Order | undefined>;
  /** Records that the order's stock went back. */
  markStockReleased(id: string): Promise<void>;
  /** Moves the order from `from` to `to` (lifecycle.ts); undefined when it was no longer in `from`. */
  move(
    id: string,
    from: OrderStatus,
    to: FinalStatus,
    details: { paymentId?: string; failureReason?: string },
    inTransaction: InTransaction,
  ): Promise<Order | undefined>;
  /** Pending orders created before `before`, oldest first. */
  pendingSince(before: Date, limit: number): Promise<Order[]>;
  /** Ended orders (payment_failed, cancelled) whose stock has not been given back yet. */
  awaitingRelease(limit: number): Promise<Order[]>;
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
      failureReason: row.failureReason ?? undefined,
      stockReserved: row.stockReservedAt !== null,
      stockReleased: row.stockReleasedAt !== null,
      createdAt: row.createdAt,
    }));
  };

  const first = async (executor: Db | Tx, rows: OrderRow[]): Promise<Order | undefined> =>
    (await withItems(executor, rows))[0];

  /** Updates one order and runs `inTransaction` with it, in one transaction. */
  const change = (
    where: ReturnType<typeof and>,
    values: Partial<typeof orders.$inferInsert>,
    inTransaction?: InTransaction,
  ): Promise<Order | undefined> =>
    db.transaction(async (tx) => {
      const [row] = await tx
        .update(orders)
        .set({ ...values, updatedAt: new Date() })
        .where(where)
        .returning();
      if (!row) return undefined;
      const order = (await first(tx, [row]))!;
      await inTransaction?.(order, tx);
      return order;
    });

  // The creation time exactly as stored (JavaScript dates stop at milliseconds).
  const createdAtText = sql<string>`to_char(${orders.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

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
    async listForUser(userId, limit, cursor) {
      const after = cursor
        ? sql`(${orders.createdAt}, ${orders.id}) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`
        : undefined;
      const rows = await db
        .select({ order: orders, createdAtText })
        .from(orders)
        .where(and(eq(orders.userId, userId), after))
        .orderBy(desc(orders.createdAt), desc(orders.id))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        orders: await withItems(db, page.map((row) => row.order)),
        next: rows.length > limit && last ? { createdAt: last.createdAtText, id: last.order.id } : undefined,
      };
    },
    insertPending(input) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(orders)
          .values({ userId: input.userId, idempotencyKey: input.idempotencyKey, total: input.total })
          .onConflictDoNothing({ target: [orders.userId, orders.idempotencyKey] })
          .returning();
        if (!row) return undefined;
        await tx.insert(orderItems).values(input.items.map((item) => ({ ...item, orderId: row.id })));
        return first(tx, [row]);
      });
    },
    discard(id) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .select({ id: orders.id })
          .from(orders)
          .where(and(eq(orders.id, id), eq(orders.status, 'pending'), isNull(orders.stockReservedAt)))
          .for('update');
        if (!row) return false;
        await tx.delete(orderItems).where(eq(orderItems.orderId, id));
        await tx.delete(orders).where(eq(orders.id, id));
        return true;
      });
    },
    markStockReserved(id, inTransaction) {
      return change(
        and(eq(orders.id, id), eq(orders.status, 'pending'), isNull(orders.stockReservedAt)),
        { stockReservedAt: new Date() },
        inTransaction,
      );
    },
    async markStockReleased(id) {
      await db
        .update(orders)
        .set({ stockReleasedAt: new Date() })
        .where(and(eq(orders.id, id), isNull(orders.stockReleasedAt)));
    },
    move(id, from, to, details, inTransaction) {
      assertMove(from, to);
      return change(
        and(eq(orders.id, id), eq(orders.status, from)),
        { status: to, paymentId: details.paymentId ?? null, failureReason: details.failureReason ?? null },
        inTransaction,
      );
    },
    async pendingSince(before, limit) {
      const rows = await db
        .select()
        .from(orders)
        .where(and(eq(orders.status, 'pending'), lt(orders.createdAt, before)))
        .orderBy(asc(orders.createdAt))
        .limit(limit);
      return withItems(db, rows);
    },
    async awaitingRelease(limit) {
      const rows = await db
        .select()
        .from(orders)
        .where(and(inArray(orders.status, ['payment_failed', 'cancelled']), isNull(orders.stockReleasedAt)))
        .orderBy(asc(orders.createdAt))
        .limit(limit);
      return withItems(db, rows);
    },
  };
}
