/**
 * Orders, their items and status history in the orders database (Prisma). The saga's writes —
 * placing an order and applying a saga step — each change the order and write their outbox events
 * in one transaction, in plain SQL (they are the hot path of every order).
 */
import {
  afterCursor,
  effectsSql,
  notFound,
  newestFirst,
  pgAdapter,
  isUniqueViolation,
  type ChangeEffects,
  type Cursor,
  type OutboxEvent,
  type SqlClient,
  type SqlRunner,
  isUuid,
} from '#kit';
import type pg from 'pg';
import { PrismaClient } from '../__generated__/prisma/client.ts';
import type { CancelReason, Order, OrderItem, OrderStatus, StatusChange } from '../domain/order.ts';
import type { SagaStep } from '../domain/saga.ts';

/** The client type admits `$on('query')`; events only arrive when created with `log`. */
export type OrdersDb = PrismaClient<'query'>;

/** A Prisma client on the orders database; `log` enables query events (the batching tests count them). */
export function createOrdersDb(connection: string | pg.Pool, poolMax?: number, log = false): OrdersDb {
  return new PrismaClient({
    adapter: pgAdapter(connection, poolMax),
    log: log ? [{ emit: 'event' as const, level: 'query' as const }] : [],
  });
}

/** A history entry with the order it belongs to, so a loader can group entries by order. */
export type OrderStatusChange = StatusChange & { orderId: string };

/** An order as seeded (demo data, admin tooling): the total is computed from the items. */
export interface OrderSeed {
  id: string;
  buyerId: string;
  status: OrderStatus;
  cancelReason?: CancelReason | null;
  currency: string;
  createdAt?: Date;
  items: { productId: string; quantity: number; unitPriceAmount: number }[];
  history: { status: OrderStatus; reason?: CancelReason | null; at: Date }[];
}

type OrderRow = {
  id: string;
  buyerId: string;
  status: OrderStatus;
  cancelReason: CancelReason | null;
  totalAmount: number | null;
  currency: string | null;
  paymentMethod: string | null;
  createdAt: Date;
};
const orderColumns = {
  id: true,
  buyerId: true,
  status: true,
  cancelReason: true,
  totalAmount: true,
  currency: true,
  paymentMethod: true,
  createdAt: true,
} as const;
const orderSql = `id::text AS "id", buyer_id::text AS "buyerId", status::text AS "status", cancel_reason::text AS "cancelReason",
  total_amount AS "totalAmount", currency, payment_method AS "paymentMethod", created_at AS "createdAt"`;
const toOrder = (row: OrderRow): Order => ({
  id: row.id,
  buyerId: row.buyerId,
  status: row.status,
  cancelReason: row.cancelReason,
  total: row.totalAmount === null || row.currency === null ? null : { amount: row.totalAmount, currency: row.currency },
  paymentMethod: row.paymentMethod,
  createdAt: row.createdAt,
});

type ItemRow = {
  orderId: string;
  position: number;
  productId: string;
  quantity: number;
  unitPriceAmount: number | null;
  currency: string | null;
};
const toItem = (r: ItemRow): OrderItem => ({
  orderId: r.orderId,
  position: r.position,
  productId: r.productId,
  quantity: r.quantity,
  unitPrice: r.unitPriceAmount === null || r.currency === null ? null : { amount: r.unitPriceAmount, currency: r.currency },
});

type Tx = SqlRunner;

/** A new order as `placeOrder` writes it. */
export interface Placement {
  order: Order;
  items: OrderItem[];
  history: StatusChange[];
  idempotencyKey: string;
  shippingAddressId: string | null;
  /** Written with the order: `order.placed` and its first `order.updated`. */
  events: OutboxEvent[];
}

export interface OrderStoreOptions {
  /** Runs the saga's writes (placing, applying steps); defaults to the Prisma client's raw queries. */
  sql?: SqlClient;
  /** Called after a transaction that wrote outbox events committed (wakes the outbox relay). */
  onEventsWritten?: () => void;
}

export function createOrderStore(db: OrdersDb, options: OrderStoreOptions = {}) {
  const eventsWritten = () => options.onEventsWritten?.();
  const sql: SqlClient = options.sql ?? db;

  /**
   * The order with its items, in one statement; `lock` takes its row lock for the transaction. With
   * `unchangedSince`, only an order not updated since then (null otherwise).
   */
  async function orderWithItems(
    tx: Tx,
    id: string,
    lock: boolean,
    unchangedSince?: Date,
  ): Promise<{ order: Order; items: OrderItem[] } | null> {
    if (!isUuid(id)) return null;
    const [row] = await tx.$queryRawUnsafe<(OrderRow & { items: Omit<ItemRow, 'orderId' | 'currency'>[] })[]>(
      `SELECT ${orderSql},
              (SELECT coalesce(json_agg(json_build_object('position', i.position, 'productId', i.product_id, 'quantity', i.quantity,
                        'unitPriceAmount', i.unit_price_amount) ORDER BY i.position), '[]')
                 FROM order_items i WHERE i.order_id = o.id) AS items
         FROM orders o WHERE o.id = $1::uuid AND ($2::timestamptz IS NULL OR o.updated_at < $2) ${lock ? 'FOR UPDATE OF o' : ''}`,
      id,
      unchangedSince ?? null,
    );
    if (!row) return null;
    return { order: toOrder(row), items: row.items.map((i) => toItem({ ...i, orderId: row.id, currency: row.currency })) };
  }

  return {
    /**
     * Writes a new order, its items, first history entry and events in one statement (atomic on its
     * own) — unless the buyer already placed an order under `idempotencyKey`: then nothing is
     * written and that order (with its items, to compare the requests) comes back with
     * `created: false`. Concurrent placements under one key serialize on the unique (buyer, key) index.
     */
    async place(placement: Placement): Promise<{ order: Order; items: OrderItem[]; created: boolean }> {
      const { order, items, history, events } = placement;
      // The events only with the order: a placement under a used key writes nothing.
      const effects = effectsSql({ announce: events }, undefined, {
        announceIf: 'o',
        params: [
          order.id,
          order.buyerId,
          placement.idempotencyKey,
          order.paymentMethod,
          placement.shippingAddressId,
          order.createdAt,
          items.map((i) => i.position),
          items.map((i) => i.productId),
          items.map((i) => i.quantity),
          history.map((c) => c.status),
          history.map((c) => c.reason),
          history.map((c) => c.at),
        ],
      });
      const [{ created }] = (await sql.$queryRawUnsafe<{ created: number }[]>(
        `WITH o AS (
           INSERT INTO orders (id, buyer_id, status, idempotency_key, payment_method, shipping_address_id, created_at, updated_at)
           VALUES ($1::uuid, $2::uuid, 'PENDING', $3, $4, $5::uuid, $6, $6)
           ON CONFLICT (buyer_id, idempotency_key) DO NOTHING RETURNING id),
         i AS (
           INSERT INTO order_items (id, order_id, position, product_id, quantity)
           SELECT gen_random_uuid(), o.id, t.p, t.pr, t.q FROM o, unnest($7::int[], $8::uuid[], $9::int[]) AS t(p, pr, q)),
         h AS (
           INSERT INTO order_status_changes (id, order_id, status, reason, at)
           SELECT gen_random_uuid(), o.id, t.s::"OrderStatus", t.r::"CancelReason", t.a
             FROM o, unnest($10::text[], $11::text[], $12::timestamptz[]) AS t(s, r, a))${effects.ctes}
         SELECT count(*)::int AS created FROM o`,
        ...effects.params,
      )) as [{ created: number }];
      if (created === 1) {
        eventsWritten();
        return { order, items, created: true };
      }
      const [existing] = await sql.$queryRawUnsafe<{ id: string }[]>(
        `SELECT id::text AS id FROM orders WHERE buyer_id = $1::uuid AND idempotency_key = $2`,
        order.buyerId,
        placement.idempotencyKey,
      );
      const found = existing && (await orderWithItems(sql, existing.id, false));
      if (!found) throw new Error('idempotent placement found no order under its key');
      return { ...found, created: false };
    },

    /**
     * Applies one saga step to an order under a row lock, in one transaction of two statements:
     * `decide` sees the order as it is now and returns the step; its moves, prices and `effects` (the
     * events `announce` makes of the step, and the processed-event record of `handled`) are written
     * together by one statement. A redelivered event fails that record's primary key, rolls the
     * transaction back and returns null. NOT_FOUND when the order does not exist. With
     * `unchangedSince` (the watchdog), an order updated since then is left alone: null.
     */
    async applyStep(
      orderId: string,
      decide: (order: Order, items: OrderItem[]) => SagaStep,
      effects: ChangeEffects<SagaStep>,
      options: { unchangedSince?: Date } = {},
    ): Promise<SagaStep | null> {
      let step: SagaStep | null;
      try {
        step = await sql.$transaction(async (tx) => {
          const current = await orderWithItems(tx, orderId, true, options.unchangedSince);
          if (!current) {
            if (options.unchangedSince) return null;
            throw notFound('The order');
          }
          const decided = decide(current.order, current.items);
          const changed = decided.moves.length > 0 || decided.pricedItems !== undefined;
          const { order } = decided;
          const written = effectsSql(effects, decided, {
            params: [
              orderId,
              (decided.pricedItems ?? []).map((i) => i.position),
              (decided.pricedItems ?? []).map((i) => i.unitPrice!.amount),
              order.status,
              order.cancelReason,
              order.total?.amount ?? null,
              order.total?.currency ?? null,
              changed,
              decided.moves.map((m) => m.status),
              decided.moves.map((m) => m.reason),
              decided.moves.map((m) => m.at),
            ],
          });
          await tx.$executeRawUnsafe(
            `WITH i AS (
               UPDATE order_items i SET unit_price_amount = t.price
                 FROM unnest($2::int[], $3::int[]) AS t(position, price)
                WHERE i.order_id = $1::uuid AND i.position = t.position),
             o AS (
               UPDATE orders SET status = $4::"OrderStatus", cancel_reason = $5::"CancelReason",
                      total_amount = $6, currency = $7, updated_at = now()
                WHERE id = $1::uuid AND $8::boolean),
             h AS (
               INSERT INTO order_status_changes (id, order_id, status, reason, at)
               SELECT gen_random_uuid(), $1::uuid, t.s::"OrderStatus", t.r::"CancelReason", t.a
                 FROM unnest($9::text[], $10::text[], $11::timestamptz[]) AS t(s, r, a))${written.ctes}
             SELECT 1`,
            ...written.params,
          );
          return decided;
        });
      } catch (error) {
        // The processed-event record exists: this event was applied before (a redelivery).
        if (effects.handled && isUniqueViolation(error, 'processed_events')) return null;
        throw error;
      }
      if (step && (step.moves.length > 0 || step.commands.length > 0)) eventsWritten();
      return step;
    },

    /** Ids of orders in a status the saga has not finished (PENDING, RESERVED, PAID) and unchanged since `before`, oldest first. */
    async unfinishedSince(before: Date, limit: number): Promise<string[]> {
      const rows = await sql.$queryRawUnsafe<{ id: string }[]>(
        `SELECT id::text AS id FROM orders
          WHERE status IN ('PENDING', 'RESERVED', 'PAID') AND updated_at < $1
          ORDER BY updated_at LIMIT $2`,
        before,
        limit,
      );
      return rows.map((row) => row.id);
    },

    /** True when `addressId` is in `userId`'s address book (as the users subgraph last announced it). */
    async isAddressOf(userId: string, addressId: string): Promise<boolean> {
      const rows = await sql.$queryRawUnsafe<unknown[]>(
        `SELECT 1 FROM address_book_entries WHERE user_id = $1::uuid AND address_id = $2::uuid`,
        userId,
        addressId,
      );
      return rows.length > 0;
    },

    /**
     * Replaces `userId`'s address book with `addressIds` at `version`, unless the book already is at
     * that version or a newer one (a redelivered or late event): false then.
     */
    async replaceAddressBook(userId: string, addressIds: readonly string[], version: number): Promise<boolean> {
      return sql.$transaction(async (tx) => {
        const newer = await tx.$executeRawUnsafe(
          `INSERT INTO address_books (user_id, version) VALUES ($1::uuid, $2)
           ON CONFLICT (user_id) DO UPDATE SET version = EXCLUDED.version WHERE address_books.version < EXCLUDED.version`,
          userId,
          version,
        );
        if (newer === 0) return false;
        await tx.$executeRawUnsafe(`DELETE FROM address_book_entries WHERE user_id = $1::uuid`, userId);
        await tx.$executeRawUnsafe(
          `INSERT INTO address_book_entries (user_id, address_id) SELECT $1::uuid, unnest($2::uuid[])`,
          userId,
          [...addressIds],
        );
        return true;
      });
    },

    /** Records that `actorId` replays a dead letter (the audit trail of replays); resolves to the record's id. */
    async recordReplay(replay: {
      deadLetterId: string;
      eventId: string;
      topic: string;
      group: string;
      actorId: string;
    }): Promise<string> {
      return (await db.deadLetterReplay.create({ data: replay, select: { id: true } })).id;
    },

    /** Takes back the record of a replay that did not happen. */
    async forgetReplay(id: string): Promise<void> {
      await db.deadLetterReplay.delete({ where: { id } });
    },

    async byIds(ids: readonly string[]): Promise<Order[]> {
      const rows = await db.order.findMany({ where: { id: { in: [...ids] } }, select: orderColumns });
      return rows.map(toOrder);
    },

    /** Up to `limit` orders of a buyer after `after`, newest first (ask for one more than a page). */
    async byBuyer(buyerId: string, limit: number, after: Cursor | null): Promise<Order[]> {
      const rows = await db.order.findMany({
        where: { buyerId, ...afterCursor(after) },
        orderBy: newestFirst,
        take: limit,
        select: orderColumns,
      });
      return rows.map(toOrder);
    },

    /** The items of many orders in one query, each order's in position order. */
    async itemsOf(orderIds: readonly string[]): Promise<OrderItem[]> {
      // Items carry no currency of their own; the join brings the order's in the same query
      // (a Prisma nested select would cost a second one).
      const rows = await db.$queryRaw<ItemRow[]>`
        SELECT i.order_id::text AS "orderId", i.position, i.product_id::text AS "productId", i.quantity,
               i.unit_price_amount AS "unitPriceAmount", o.currency
          FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE i.order_id = ANY(${[...orderIds]}::uuid[])
         ORDER BY i.order_id, i.position`;
      return rows.map(toItem);
    },

    /** The status history of many orders in one query, each order's oldest first. */
    async historyOf(orderIds: readonly string[]): Promise<OrderStatusChange[]> {
      return db.orderStatusChange.findMany({
        where: { orderId: { in: [...orderIds] } },
        orderBy: [{ at: 'asc' }],
        select: { orderId: true, status: true, reason: true, at: true },
      });
    },

    /** Inserts or replaces an order with its items and history, by id (idempotent). */
    async saveOrder(seed: OrderSeed): Promise<void> {
      const totalAmount = seed.items.reduce((sum, item) => sum + item.quantity * item.unitPriceAmount, 0);
      const fields = {
        buyerId: seed.buyerId,
        status: seed.status,
        cancelReason: seed.cancelReason ?? null,
        totalAmount,
        currency: seed.currency,
      };
      await db.$transaction([
        db.order.upsert({
          where: { id: seed.id },
          create: { id: seed.id, ...fields, ...(seed.createdAt ? { createdAt: seed.createdAt } : {}) },
          update: { ...fields, ...(seed.createdAt ? { createdAt: seed.createdAt } : {}) },
        }),
        db.orderItem.deleteMany({ where: { orderId: seed.id } }),
        db.orderItem.createMany({
          data: seed.items.map((item, position) => ({ orderId: seed.id, position, ...item })),
        }),
        db.orderStatusChange.deleteMany({ where: { orderId: seed.id } }),
        db.orderStatusChange.createMany({
          data: seed.history.map((change) => ({
            orderId: seed.id,
            status: change.status,
            reason: change.reason ?? null,
            at: change.at,
          })),
        }),
      ]);
    },
  };
}

export type OrderStore = ReturnType<typeof createOrderStore>;
