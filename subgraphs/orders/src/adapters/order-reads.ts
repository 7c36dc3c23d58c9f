/** The orders queries: by id, by buyer, items and history for the loaders, and the watchdog's look. */
import type { SqlRunner } from '#kit/database';
import { afterCursor, newestFirst, type Cursor } from '#kit/pagination';
import type { PrismaClient } from '../__generated__/prisma/client.ts';
import type { Order, OrderItem } from '../domain/order.ts';
import type { OrderStatusChange, OrderStore } from '../ports.ts';
import { orderColumns, toItem, toOrder, type ItemRow } from './order-rows.ts';

type Reads = 'byIds' | 'byBuyer' | 'itemsOf' | 'historyOf' | 'unfinishedSince';

/** The reads on `db` (Prisma) and, for the watchdog's, `sql`. */
export function orderReads(db: PrismaClient, sql: SqlRunner): Pick<OrderStore, Reads> {
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
  };
}
