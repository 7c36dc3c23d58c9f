/** Reservations as rows of the inventory database: the read every reservation change starts from. */
import type { SqlRunner } from '#kit/database';
import type { ReservationStatus, ReservedItem, ReserveOutcome } from '../domain/reservation.ts';

export type ReservationRow = { id: string; status: ReservationStatus; expiresAt: Date; items: ReservedItem[] };

export function outcomeOf(row: Omit<ReservationRow, 'id'>): ReserveOutcome {
  return row.status === 'HELD' || row.status === 'COMMITTED'
    ? { status: row.status, items: row.items, expiresAt: row.expiresAt }
    : { status: row.status, items: row.items };
}

/** A reservation with its items, in one statement; built once, not per saga step. */
const reservationSql = `SELECT r.id::text AS id, r.status::text AS status, r.expires_at AS "expiresAt",
          (SELECT coalesce(json_agg(json_build_object('productId', i.product_id, 'warehouseId', i.warehouse_id,
                    'quantity', i.quantity, 'unitPriceAmount', i.unit_price_amount, 'currency', i.currency)
                    ORDER BY i.product_id, i.warehouse_id), '[]')
             FROM reservation_items i WHERE i.reservation_id = r.id) AS items
     FROM reservations r WHERE r.order_id = $1::uuid`;

/** {@link reservationSql} with the reservation's row lock (for the transaction that changes it). */
export const lockedReservationSql = `${reservationSql} FOR UPDATE OF r`;

/** The order's reservation as it stands (null: none). */
export async function currentReservation(sql: SqlRunner, orderId: string): Promise<ReserveOutcome | null> {
  const [row] = await sql.$queryRawUnsafe<ReservationRow[]>(reservationSql, orderId);
  return row ? outcomeOf(row) : null;
}
