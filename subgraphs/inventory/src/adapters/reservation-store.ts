/**
 * Reservations and stock movements in the inventory database: holding an order's stock
 * ({@link reserveStock}), settling it ({@link settleReservation}), expiring what nobody settled, and
 * adjusting stock on hand. Each state change writes its effects in the same transaction.
 */
import { sqlState, type SqlClient } from '#kit/database';
import { badInput, notFound } from '#kit/errors';
import { isUuid } from '#kit/ids';
import type { ReservationStore, StockAdjustment } from '../ports.ts';
import type { InventoryDb } from './prisma-inventory-store.ts';
import { reserveStock } from './reserve-stock.ts';
import { currentReservation } from './reservation-rows.ts';
import { settleReservation } from './settle-reservation.ts';

/**
 * `sql` runs the saga's statements (the kit's `sqlClient` in the running service: plain SQL on the
 * pool, no per-query Prisma overhead); it defaults to `db`'s raw queries. A saga step is a
 * transaction of few statements: a read under row locks, the stock changes, then one statement
 * writing the reservation, the answer (outbox) and the processed-event record together; a
 * redelivered event fails that record's key and rolls back.
 */
export function createReservationStore(db: InventoryDb, sql: SqlClient = db): ReservationStore {
  return {
    current: (orderId) => currentReservation(sql, orderId),
    reserve: (orderId, lines, expiresAt, effects) => reserveStock(sql, orderId, lines, expiresAt, effects),
    commit: (orderId, effects) => settleReservation(sql, orderId, 'COMMITTED', effects),
    release: (orderId, effects) => settleReservation(sql, orderId, 'RELEASED', effects),

    async expireDue(now, limit, announce) {
      const due = await db.reservation.findMany({
        where: { status: 'HELD', expiresAt: { lte: now } },
        take: limit,
        select: { orderId: true },
      });
      const expired: string[] = [];
      for (const { orderId } of due) {
        const { changed } = await settleReservation(sql, orderId, 'EXPIRED', {
          announce: (settled) => (settled.changed && announce ? [announce(orderId)] : []),
        });
        if (changed) expired.push(orderId);
      }
      return expired;
    },

    adjustStock: (change) => adjustStock(db, change),
  };
}

/** {@link ReservationStore.adjustStock}: the stock level and its audit row in one transaction. */
async function adjustStock(db: InventoryDb, change: StockAdjustment): Promise<{ onHand: number; reserved: number }> {
  if (!Number.isInteger(change.delta) || change.delta === 0)
    throw badInput('delta must be a non-zero whole number', { field: 'delta' });
  if (![change.productId, change.warehouseId].every((id) => isUuid(id))) throw notFound('The product or warehouse');
  try {
    return await db.$transaction(async (tx) => {
      const rows =
        change.delta > 0
          ? await tx.$queryRaw<{ on_hand: number; reserved: number }[]>`
              INSERT INTO stock_levels (product_id, warehouse_id, on_hand, reserved)
              VALUES (${change.productId}::uuid, ${change.warehouseId}::uuid, ${change.delta}, 0)
              ON CONFLICT (product_id, warehouse_id) DO UPDATE SET on_hand = stock_levels.on_hand + EXCLUDED.on_hand
              RETURNING on_hand, reserved`
          : await tx.$queryRaw<{ on_hand: number; reserved: number }[]>`
              UPDATE stock_levels SET on_hand = on_hand + ${change.delta}
               WHERE product_id = ${change.productId}::uuid AND warehouse_id = ${change.warehouseId}::uuid
                 AND on_hand + ${change.delta} >= reserved
              RETURNING on_hand, reserved`;
      const level = rows[0];
      if (!level) throw badInput('The adjustment would leave less stock than is reserved (or there is no such stock level)');
      await tx.stockAdjustment.create({ data: change });
      return { onHand: level.on_hand, reserved: level.reserved };
    });
  } catch (error) {
    // A foreign key violation: the product or warehouse does not exist.
    if (sqlState(error) === '23503') {
      throw notFound('The product or warehouse');
    }
    throw error;
  }
}
