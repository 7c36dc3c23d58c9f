/**
 * Reservations and stock movements in the inventory database. Every change of stock is a
 * conditional UPDATE (`... WHERE on_hand - reserved >= quantity`): the row lock and the re-checked
 * condition make oversell impossible under any concurrency, and the table's CHECK constraints back
 * that up. Each state change writes its outbox event in the same transaction.
 */
import {
  badInput,
  effectsSql,
  isUniqueViolation,
  isUuid,
  notFound,
  sqlState,
  type ChangeEffects,
  type OutboxEvent,
  type SqlClient,
  type SqlRunner,
} from '#kit';
import type { InventoryDb } from './prisma-inventory-store.ts';

export interface ReservationLine {
  productId: string;
  quantity: number;
}

export interface ReservedItem extends ReservationLine {
  warehouseId: string;
  unitPriceAmount: number;
  currency: string;
}

export type ReservationStatus = 'HELD' | 'COMMITTED' | 'RELEASED' | 'EXPIRED';

export type ReserveOutcome =
  | { status: 'HELD' | 'COMMITTED'; items: ReservedItem[]; expiresAt: Date }
  | { status: 'RELEASED' | 'EXPIRED'; items: ReservedItem[] }
  | { status: 'OUT_OF_STOCK'; productId: string };

/** A settlement of a reservation: the reservation now (null: none), and whether this call moved it. */
export interface Settled {
  changed: boolean;
  outcome: ReserveOutcome | null;
}

class OutOfStock extends Error {
  constructor(readonly productId: string) {
    super(`out of stock: ${productId}`);
  }
}

type ReservationRow = { id: string; status: ReservationStatus; expiresAt: Date; items: ReservedItem[] };

function outcomeOf(row: Omit<ReservationRow, 'id'>): ReserveOutcome {
  return row.status === 'HELD' || row.status === 'COMMITTED'
    ? { status: row.status, items: row.items, expiresAt: row.expiresAt }
    : { status: row.status, items: row.items };
}

/** A reservation with its items, in one statement (`lock`: with its row lock). */
const reservationSql = (lock: boolean) =>
  `SELECT r.id::text AS id, r.status::text AS status, r.expires_at AS "expiresAt",
          (SELECT coalesce(json_agg(json_build_object('productId', i.product_id, 'warehouseId', i.warehouse_id,
                    'quantity', i.quantity, 'unitPriceAmount', i.unit_price_amount, 'currency', i.currency)
                    ORDER BY i.product_id, i.warehouse_id), '[]')
             FROM reservation_items i WHERE i.reservation_id = r.id) AS items
     FROM reservations r WHERE r.order_id = $1::uuid ${lock ? 'FOR UPDATE OF r' : ''}`;

/**
 * Reservations and stock movements. `sql` runs the saga's statements (the kit's `sqlClient` in the
 * running service: plain SQL on the pool, no per-query Prisma overhead); it defaults to `db`'s raw
 * queries. A saga step is a transaction of few statements: a read under row locks, the stock
 * changes, then one statement writing the reservation, the answer (outbox) and the processed-event
 * record together; a redelivered event fails that record's key and rolls back.
 */
export function createReservationStore(db: InventoryDb, sql: SqlClient = db) {
  async function current(orderId: string, tx: SqlRunner = sql): Promise<ReserveOutcome | null> {
    const [row] = await tx.$queryRawUnsafe<ReservationRow[]>(reservationSql(false), orderId);
    return row ? outcomeOf(row) : null;
  }

  /**
   * Moves an order's reservation to `to` under a row lock: HELD -> COMMITTED takes the units out of
   * stock on hand; HELD -> RELEASED/EXPIRED gives them back on sale; COMMITTED -> RELEASED (an order
   * cancelled after its stock was committed) puts them back on hand. Any other move changes nothing.
   * `effects.announce` sees the outcome and whether it changed, and may answer either way (a failed
   * commit is news too). With `effects.handled`, the event is recorded as processed in the same
   * transaction and a redelivery changes and writes nothing.
   */
  async function settle(
    orderId: string,
    to: 'COMMITTED' | 'RELEASED' | 'EXPIRED',
    effects: ChangeEffects<Settled> = {},
  ): Promise<Settled> {
    try {
      return await sql.$transaction(async (tx) => {
        const [row] = await tx.$queryRawUnsafe<ReservationRow[]>(reservationSql(true), orderId);
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
        return { changed: false, outcome: await current(orderId) };
      throw error;
    }
  }

  return {
    current,

    /**
     * Holds stock for every line of an order until `expiresAt`, all or nothing, at the current
     * prices. Idempotent per order: a repeat returns the first outcome (an out-of-stock order is
     * recorded as RELEASED with no items, so a retry after stock frees up cannot flip it). With
     * `effects.handled`, the event is recorded as processed in the same transaction.
     */
    async reserve(
      orderId: string,
      lines: ReservationLine[],
      expiresAt: Date,
      effects: ChangeEffects<ReserveOutcome> = {},
    ): Promise<ReserveOutcome> {
      if (lines.length === 0 || lines.some((l) => !Number.isInteger(l.quantity) || l.quantity < 1)) {
        throw badInput('A reservation needs lines with positive whole quantities');
      }
      // Lock rows in one global order (by product id) so concurrent reservations cannot deadlock.
      const sorted = [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
      try {
        return await sql.$transaction(async (tx) => {
          // Every line's price and its warehouses, most available first; the conditional UPDATE decides.
          const stock = await tx.$queryRawUnsafe<
            { productId: string; priceAmount: number; currency: string; warehouseId: string; free: number }[]
          >(
            `SELECT p.id::text AS "productId", p.price_amount AS "priceAmount", p.price_currency::text AS currency,
                    s.warehouse_id::text AS "warehouseId", s.on_hand - s.reserved AS free
               FROM products p JOIN stock_levels s ON s.product_id = p.id
              WHERE p.id = ANY($1::uuid[]) AND p.active
              ORDER BY p.id, free DESC, s.warehouse_id`,
            sorted.map((l) => l.productId),
          );
          const items: ReservedItem[] = [];
          for (const line of sorted) {
            const candidates = stock.filter((s) => s.productId === line.productId && s.free >= line.quantity);
            let held: (typeof candidates)[number] | undefined;
            for (const candidate of candidates) {
              const updated = await tx.$executeRawUnsafe(
                `UPDATE stock_levels SET reserved = reserved + $3
                  WHERE product_id = $1::uuid AND warehouse_id = $2::uuid AND on_hand - reserved >= $3`,
                line.productId,
                candidate.warehouseId,
                line.quantity,
              );
              if (updated === 1) {
                held = candidate;
                break;
              }
            }
            if (!held) throw new OutOfStock(line.productId);
            items.push({ ...line, warehouseId: held.warehouseId, unitPriceAmount: held.priceAmount, currency: held.currency });
          }
          const outcome: ReserveOutcome = { status: 'HELD', items, expiresAt };
          const written = effectsSql(effects, outcome, {
            params: [
              orderId,
              expiresAt,
              items.map((i) => i.productId),
              items.map((i) => i.warehouseId),
              items.map((i) => i.quantity),
              items.map((i) => i.unitPriceAmount),
              items.map((i) => i.currency),
            ],
          });
          await tx.$executeRawUnsafe(
            `WITH r AS (
               INSERT INTO reservations (id, order_id, status, expires_at, updated_at)
               VALUES (gen_random_uuid(), $1::uuid, 'HELD', $2, now()) RETURNING id),
             i AS (
               INSERT INTO reservation_items (id, reservation_id, product_id, warehouse_id, quantity, unit_price_amount, currency)
               SELECT gen_random_uuid(), r.id, t.p, t.w, t.q, t.a, t.c
                 FROM r, unnest($3::uuid[], $4::uuid[], $5::int[], $6::int[], $7::text[]) AS t(p, w, q, a, c))${written.ctes}
             SELECT 1`,
            ...written.params,
          );
          return outcome;
        });
      } catch (error) {
        // Handled before (a redelivery), or reserved before under another event: the first outcome stands.
        if (isUniqueViolation(error)) return (await current(orderId))!;
        if (!(error instanceof OutOfStock)) throw error;
        const outcome: ReserveOutcome = { status: 'OUT_OF_STOCK', productId: error.productId };
        try {
          // One statement: the OUT_OF_STOCK record, its answer and the processed mark, all or nothing;
          // the answer only with the record (the mark either way: the event is handled).
          const written = effectsSql(effects, outcome, { params: [orderId], announceIf: 'r' });
          const [{ recorded }] = (await sql.$queryRawUnsafe<{ recorded: number }[]>(
            `WITH r AS (
               INSERT INTO reservations (id, order_id, status, expires_at, updated_at)
               VALUES (gen_random_uuid(), $1::uuid, 'RELEASED', now(), now()) ON CONFLICT (order_id) DO NOTHING RETURNING id)${written.ctes}
             SELECT count(*)::int AS recorded FROM r`,
            ...written.params,
          )) as [{ recorded: number }];
          // Not recorded: a delivery of the same order got there first; its outcome stands.
          return recorded === 1 ? outcome : (await current(orderId))!;
        } catch (recordError) {
          if (isUniqueViolation(recordError, 'processed_events')) return (await current(orderId))!;
          throw recordError;
        }
      }
    },

    /** Turns a held reservation into a decrement of stock on hand (the order was paid). */
    commit: (orderId: string, effects?: ChangeEffects<Settled>) => settle(orderId, 'COMMITTED', effects),

    /** Gives a held (or committed) reservation's stock back (the order was cancelled). */
    release: (orderId: string, effects?: ChangeEffects<Settled>) => settle(orderId, 'RELEASED', effects),

    /** Releases up to `limit` HELD reservations past their expiry, each `announce`d; returns the order ids expired. */
    async expireDue(now: Date, limit: number, announce?: (orderId: string) => OutboxEvent): Promise<string[]> {
      const due = await db.reservation.findMany({
        where: { status: 'HELD', expiresAt: { lte: now } },
        take: limit,
        select: { orderId: true },
      });
      const expired: string[] = [];
      for (const { orderId } of due) {
        const { changed } = await settle(orderId, 'EXPIRED', {
          announce: (settled) => (settled.changed && announce ? [announce(orderId)] : []),
        });
        if (changed) expired.push(orderId);
      }
      return expired;
    },

    /**
     * Changes stock on hand by `delta` (intake, loss, count correction) with an audit row, in one
     * transaction. The first intake of a product into a warehouse creates its stock level. Refused
     * when it would leave less on hand than is reserved, or remove stock that is not there; NOT_FOUND
     * for an unknown product or warehouse.
     */
    async adjustStock(change: { productId: string; warehouseId: string; delta: number; reason: string; actorId: string }) {
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
    },
  };
}

export type ReservationStore = ReturnType<typeof createReservationStore>;
