/** Moving a reservation on when its order is paid, cancelled or left unpaid too long. */
import { isUniqueViolation, type SqlClient } from '#kit/database';
import { effectsSql, type ChangeEffects } from '#kit/outbox';
import type { Settled } from '../ports.ts';
import { currentReservation, lockedReservationSql, outcomeOf, type ReservationRow } from './reservation-rows.ts';

/**
 * Moves an order's reservation to `to` under a row lock: HELD -> COMMITTED takes the units out of
 * stock on hand; HELD -> RELEASED/EXPIRED gives them back on sale; COMMITTED -> RELEASED (an order
 * cancelled after its stock was committed) puts them back on hand. Any other move changes nothing.
 * `effects.announce` sees the outcome and whether it changed, and may answer either way (a failed
 * commit is news too). With `effects.handled`, the event is recorded as processed in the same
 * transaction and a redelivery changes and writes nothing.
 */
export async function settleReservation(
  sql: SqlClient,
  orderId: string,
  to: 'COMMITTED' | 'RELEASED' | 'EXPIRED',
  effects: ChangeEffects<Settled> = {},
): Promise<Settled> {
  try {
    return await sql.$transaction(async (tx) => {
      const [row] = await tx.$queryRawUnsafe<ReservationRow[]>(lockedReservationSql, orderId);
      const from = row?.status ?? null;
      const changed = from === 'HELD' || (from === 'COMMITTED' && to === 'RELEASED');
      const items = row?.items ?? [];
      const outcome = row ? outcomeOf({ ...row, status: changed ? to : row.status }) : null;
      const written = effectsSql(
        effects,
        { changed, outcome },
        {
          params: [
            orderId,
            to,
            changed,
            items.map((i) => i.productId),
            items.map((i) => i.warehouseId),
            items.map((i) => (from === 'HELD' ? i.quantity : 0)),
            items.map((i) => (from === 'COMMITTED' ? i.quantity : to === 'COMMITTED' ? -i.quantity : 0)),
          ],
        },
      );
      // held -> committed: reserved and on hand both drop; held -> released: reserved drops;
      // committed -> released: the units come back on hand.
      await tx.$executeRawUnsafe(
        `WITH r AS (
           UPDATE reservations SET status = $2::"ReservationStatus", updated_at = now() WHERE order_id = $1::uuid AND $3::boolean),
         s AS (
           UPDATE stock_levels s SET reserved = s.reserved - t.unreserve, on_hand = s.on_hand + t.on_hand
             FROM unnest($4::uuid[], $5::uuid[], $6::int[], $7::int[]) AS t(product_id, warehouse_id, unreserve, on_hand)
            WHERE $3::boolean AND s.product_id = t.product_id AND s.warehouse_id = t.warehouse_id)${written.ctes}
         SELECT 1`,
        ...written.params,
      );
      return { changed, outcome };
    });
  } catch (error) {
    if (effects.handled && isUniqueViolation(error, 'processed_events'))
      return { changed: false, outcome: await currentReservation(sql, orderId) };
    throw error;
  }
}
