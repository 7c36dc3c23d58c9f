/**
 * Orders, their items and status history in the orders database (Prisma). The saga's writes —
 * placing an order and applying a saga step — each change the order and write their outbox events
 * in one transaction, in plain SQL (they are the hot path of every order).
 */
import {
  afterCursor,
  markProcessed,
  notFound,
  newestFirst,
  pgAdapter,
  writeOutbox,
  type Cursor,
  type DomainEvent,
  type OutboxEvent,
} from '#kit';
import { PrismaClient } from '../__generated__/prisma/client.ts';
import type { CancelReason, Order, OrderItem, OrderStatus, StatusChange } from '../domain/order.ts';
import type { SagaStep } from '../domain/saga.ts';

/** The client type admits `$on('query')`; events only arrive when created with `log`. */
export type OrdersDb = PrismaClient<'query'>;

/** A Prisma client on the orders database; `log` enables query events (the batching tests count them). */
export function createOrdersDb(databaseUrl: string, poolMax?: number, log = false): OrdersDb {
  return new PrismaClient({
    adapter: pgAdapter(databaseUrl, poolMax),
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

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Tx = Parameters<Parameters<OrdersDb['$transaction']>[0]>[0];

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
  /** Called after a transaction that wrote outbox events committed (wakes the outbox relay). */
  onEventsWritten?: () => void;
}

export function createOrderStore(db: OrdersDb, options: OrderStoreOptions = {}) {
  const eventsWritten = () => options.onEventsWritten?.();

  async function lockedOrder(tx: Tx, id: string): Promise<{ order: Order; items: OrderItem[] } | null> {
    if (!uuidPattern.test(id)) return null;
    const [row] = await tx.$queryRawUnsafe<OrderRow[]>(`SELECT ${orderSql} FROM orders WHERE id = $1::uuid FOR UPDATE`, id);
    if (!row) return null;
    const items = await tx.$queryRawUnsafe<ItemRow[]>(
      `SELECT order_id::text AS "orderId", position, product_id::text AS "productId", quantity,
              unit_price_amount AS "unitPriceAmount", $2::text AS currency
         FROM order_items WHERE order_id = $1::uuid ORDER BY position`,
      id,
      row.currency,
    );
    return { order: toOrder(row), items: items.map(toItem) };
  }

  return {
    /**
     * Writes a new order, its items, first history entry and events in one transaction — unless the
     * buyer already placed an order under `idempotencyKey`: then nothing is written and that order
     * (with its items, to compare the requests) comes back with `created: false`. Concurrent
     * placements under one key serialize on the unique (buyer, key) index.
     */
    async place(placement: Placement): Promise<{ order: Order; items: OrderItem[]; created: boolean }> {
      const { order, items, history } = placement;
      const outcome = await db.$transaction(async (tx) => {
        const inserted = await tx.$executeRawUnsafe(
          `INSERT INTO orders (id, buyer_id, status, idempotency_key, payment_method, shipping_address_id, created_at, updated_at)
           VALUES ($1::uuid, $2::uuid, 'PENDING', $3, $4, $5::uuid, $6, $6)
           ON CONFLICT (buyer_id, idempotency_key) DO NOTHING`,
          order.id,
          order.buyerId,
          placement.idempotencyKey,
          order.paymentMethod,
          placement.shippingAddressId,
          order.createdAt,
        );
        if (inserted === 0) {
          const [existing] = await tx.$queryRawUnsafe<{ id: string }[]>(
            `SELECT id::text AS id FROM orders WHERE buyer_id = $1::uuid AND idempotency_key = $2`,
            order.buyerId,
            placement.idempotencyKey,
          );
          const found = existing && (await lockedOrder(tx, existing.id));
          if (!found) throw new Error('idempotent placement found no order under its key');
          return { ...found, created: false };
        }
        await tx.$executeRawUnsafe(
          `INSERT INTO order_items (id, order_id, position, product_id, quantity)
           SELECT gen_random_uuid(), $1::uuid, p, pr, q FROM unnest($2::int[], $3::uuid[], $4::int[]) AS t(p, pr, q)`,
          order.id,
          items.map((i) => i.position),
          items.map((i) => i.productId),
          items.map((i) => i.quantity),
        );
        await insertHistory(tx, order.id, history);
        await writeOutbox(tx, placement.events);
        return { order, items, created: true };
      });
      if (outcome.created) eventsWritten();
      return outcome;
    },

    /**
     * Applies one saga step to an order under a row lock, in one transaction: `decide` sees the
     * order as it is now and returns the step; its moves, prices and `events(step)` are written
     * together. With `handled`, the event is recorded as processed in the same transaction and a
     * redelivery returns null without deciding again. NOT_FOUND when the order does not exist.
     */
    async applyStep(
      orderId: string,
      handled: DomainEvent | null,
      decide: (order: Order, items: OrderItem[]) => SagaStep,
      events: (step: SagaStep) => OutboxEvent[],
    ): Promise<SagaStep | null> {
      const step = await db.$transaction(async (tx) => {
        if (handled && !(await markProcessed(tx, handled))) return null;
        const current = await lockedOrder(tx, orderId);
        if (!current) throw notFound('The order');
        const decided = decide(current.order, current.items);
        if (decided.pricedItems) {
          await tx.$executeRawUnsafe(
            `UPDATE order_items i SET unit_price_amount = t.price
               FROM unnest($2::int[], $3::int[]) AS t(position, price)
              WHERE i.order_id = $1::uuid AND i.position = t.position`,
            orderId,
            decided.pricedItems.map((i) => i.position),
            decided.pricedItems.map((i) => i.unitPrice!.amount),
          );
        }
        if (decided.moves.length > 0 || decided.pricedItems) {
          const { order } = decided;
          await tx.$executeRawUnsafe(
            `UPDATE orders SET status = $2::"OrderStatus", cancel_reason = $3::"CancelReason",
                    total_amount = $4, currency = $5, updated_at = now() WHERE id = $1::uuid`,
            orderId,
            order.status,
            order.cancelReason,
            order.total?.amount ?? null,
            order.total?.currency ?? null,
          );
          await insertHistory(tx, orderId, decided.moves);
        }
        await writeOutbox(tx, events(decided));
        return decided;
      });
      if (step && (step.moves.length > 0 || step.commands.length > 0)) eventsWritten();
      return step;
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

async function insertHistory(tx: Tx, orderId: string, changes: readonly StatusChange[]) {
  if (changes.length === 0) return;
  await tx.$executeRawUnsafe(
    `INSERT INTO order_status_changes (id, order_id, status, reason, at)
     SELECT gen_random_uuid(), $1::uuid, s::"OrderStatus", r::"CancelReason", a
       FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS t(s, r, a)`,
    orderId,
    changes.map((c) => c.status),
    changes.map((c) => c.reason),
    changes.map((c) => c.at),
  );
}

export type OrderStore = ReturnType<typeof createOrderStore>;
