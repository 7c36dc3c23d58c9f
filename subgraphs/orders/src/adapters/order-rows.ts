/** Orders as rows of the orders database, and the one read the saga's writes share with the queries. */
import type { SqlRunner } from '#kit/database';
import { isUuid } from '#kit/ids';
import type { CancelReason, Order, OrderItem, OrderStatus } from '../domain/order.ts';

export type OrderRow = {
  id: string;
  buyerId: string;
  status: OrderStatus;
  cancelReason: CancelReason | null;
  totalAmount: number | null;
  currency: string | null;
  paymentMethod: string | null;
  createdAt: Date;
};
export const orderColumns = {
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
export const toOrder = (row: OrderRow): Order => ({
  id: row.id,
  buyerId: row.buyerId,
  status: row.status,
  cancelReason: row.cancelReason,
  total: row.totalAmount === null || row.currency === null ? null : { amount: row.totalAmount, currency: row.currency },
  paymentMethod: row.paymentMethod,
  createdAt: row.createdAt,
});

export type ItemRow = {
  orderId: string;
  position: number;
  productId: string;
  quantity: number;
  unitPriceAmount: number | null;
  currency: string | null;
};
export const toItem = (r: ItemRow): OrderItem => ({
  orderId: r.orderId,
  position: r.position,
  productId: r.productId,
  quantity: r.quantity,
  unitPrice: r.unitPriceAmount === null || r.currency === null ? null : { amount: r.unitPriceAmount, currency: r.currency },
});

// Built once, not per saga step: the order with its items, unless updated since $2 (when not null).
const orderWithItemsSql = `SELECT ${orderSql},
       (SELECT coalesce(json_agg(json_build_object('position', i.position, 'productId', i.product_id, 'quantity', i.quantity,
                 'unitPriceAmount', i.unit_price_amount) ORDER BY i.position), '[]')
          FROM order_items i WHERE i.order_id = o.id) AS items
  FROM orders o WHERE o.id = $1::uuid AND ($2::timestamptz IS NULL OR o.updated_at < $2)`;
const lockedOrderWithItemsSql = `${orderWithItemsSql} FOR UPDATE OF o`;

/**
 * The order with its items, in one statement; `lock` takes its row lock for the transaction. With
 * `unchangedSince`, only an order not updated since then (null otherwise).
 */
export async function orderWithItems(
  tx: SqlRunner,
  id: string,
  lock: boolean,
  unchangedSince?: Date,
): Promise<{ order: Order; items: OrderItem[] } | null> {
  if (!isUuid(id)) return null;
  const [row] = await tx.$queryRawUnsafe<(OrderRow & { items: Omit<ItemRow, 'orderId' | 'currency'>[] })[]>(
    lock ? lockedOrderWithItemsSql : orderWithItemsSql,
    id,
    unchangedSince ?? null,
  );
  if (!row) return null;
  return { order: toOrder(row), items: row.items.map((i) => toItem({ ...i, orderId: row.id, currency: row.currency })) };
}
