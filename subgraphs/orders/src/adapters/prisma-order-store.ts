/** Orders, their items and status history in the orders database (Prisma). */
import { afterCursor, newestFirst, pgAdapter, type Cursor } from '#kit';
import { PrismaClient } from '../__generated__/prisma/client.ts';
import type { CancelReason, Order, OrderItem, OrderStatus, StatusChange } from '../domain/order.ts';

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
  totalAmount: number;
  currency: string;
  createdAt: Date;
};
const orderColumns = {
  id: true,
  buyerId: true,
  status: true,
  cancelReason: true,
  totalAmount: true,
  currency: true,
  createdAt: true,
} as const;
const toOrder = (row: OrderRow): Order => ({
  id: row.id,
  buyerId: row.buyerId,
  status: row.status,
  cancelReason: row.cancelReason,
  total: { amount: row.totalAmount, currency: row.currency },
  createdAt: row.createdAt,
});

export function createOrderStore(db: OrdersDb) {
  return {
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
      const rows = await db.$queryRaw<
        { orderId: string; position: number; productId: string; quantity: number; unitPriceAmount: number; currency: string }[]
      >`
        SELECT i.order_id::text AS "orderId", i.position, i.product_id::text AS "productId", i.quantity,
               i.unit_price_amount AS "unitPriceAmount", o.currency
          FROM order_items i JOIN orders o ON o.id = i.order_id
         WHERE i.order_id = ANY(${[...orderIds]}::uuid[])
         ORDER BY i.order_id, i.position`;
      return rows.map((r) => ({
        orderId: r.orderId,
        position: r.position,
        productId: r.productId,
        quantity: r.quantity,
        unitPrice: { amount: r.unitPriceAmount, currency: r.currency },
      }));
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
