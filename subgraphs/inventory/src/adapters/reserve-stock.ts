/**
 * Holding an order's stock, all or nothing. Every line is a conditional UPDATE
 * (`... WHERE on_hand - reserved >= quantity`): the row lock and the re-checked condition make
 * oversell impossible under any concurrency, and the table's CHECK constraints back that up.
 */
import { isUniqueViolation, type SqlClient, type SqlRunner } from '#kit/database';
import { badInput } from '#kit/errors';
import { effectsSql, type ChangeEffects } from '#kit/outbox';
import type { ReservationLine, ReservedItem, ReserveOutcome } from '../domain/reservation.ts';
import { currentReservation } from './reservation-rows.ts';

class OutOfStock extends Error {
  constructor(readonly productId: string) {
    super(`out of stock: ${productId}`);
  }
}

/**
 * Holds stock for every line of an order until `expiresAt`, or records it OUT_OF_STOCK (as RELEASED
 * with no items). Idempotent per order: a repeat, or a redelivery of `effects.handled`, returns the
 * first outcome and writes nothing.
 */
export async function reserveStock(
  sql: SqlClient,
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
      const outcome = { status: 'HELD' as const, items: await holdEachLine(tx, sorted), expiresAt };
      await recordHeld(tx, orderId, outcome, effects);
      return outcome;
    });
  } catch (error) {
    // Handled before (a redelivery), or reserved before under another event: the first outcome stands.
    if (isUniqueViolation(error)) return (await currentReservation(sql, orderId))!;
    if (!(error instanceof OutOfStock)) throw error;
    return recordOutOfStock(sql, orderId, error.productId, effects);
  }
}

/** Holds each line in the warehouse with most available first; throws {@link OutOfStock} at the first short line. */
async function holdEachLine(tx: SqlRunner, sorted: ReservationLine[]): Promise<ReservedItem[]> {
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
  return items;
}

/** One statement: the HELD reservation, its items and `effects`; a redelivery fails on the processed-event record. */
async function recordHeld(
  tx: SqlRunner,
  orderId: string,
  outcome: ReserveOutcome & { status: 'HELD'; expiresAt: Date },
  effects: ChangeEffects<ReserveOutcome>,
): Promise<void> {
  const { items } = outcome;
  const written = effectsSql(effects, outcome, {
    params: [
      orderId,
      outcome.expiresAt,
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
}

/**
 * Records an order OUT_OF_STOCK (a RELEASED reservation with no items) with its answer and the
 * processed mark, all or nothing; unless a delivery of the same order got there first: its outcome stands.
 */
async function recordOutOfStock(
  sql: SqlClient,
  orderId: string,
  productId: string,
  effects: ChangeEffects<ReserveOutcome>,
): Promise<ReserveOutcome> {
  const outcome: ReserveOutcome = { status: 'OUT_OF_STOCK', productId };
  try {
    // The answer only with the record; the mark either way (the event is handled).
    const written = effectsSql(effects, outcome, { params: [orderId], announceIf: 'r' });
    const [{ recorded }] = (await sql.$queryRawUnsafe<{ recorded: number }[]>(
      `WITH r AS (
         INSERT INTO reservations (id, order_id, status, expires_at, updated_at)
         VALUES (gen_random_uuid(), $1::uuid, 'RELEASED', now(), now()) ON CONFLICT (order_id) DO NOTHING RETURNING id)${written.ctes}
       SELECT count(*)::int AS recorded FROM r`,
      ...written.params,
    )) as [{ recorded: number }];
    return recorded === 1 ? outcome : (await currentReservation(sql, orderId))!;
  } catch (error) {
    if (isUniqueViolation(error, 'processed_events')) return (await currentReservation(sql, orderId))!;
    throw error;
  }
}
