/**
 * Reservations and stock movements in the inventory database. Every change of stock is a
 * conditional UPDATE (`... WHERE on_hand - reserved >= quantity`): the row lock and the re-checked
 * condition make oversell impossible under any concurrency, and the table's CHECK constraints back
 * that up. Each state change writes its outbox event in the same transaction.
 */
import { badInput, markProcessed, notFound, type DomainEvent, type OutboxEvent } from '#kit';
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

/** Builds the outbox event announcing an outcome (the caller knows the topic names). */
export type OutboxFor<T> = (outcome: T) => OutboxEvent | null;

/** Builds the outbox event announcing a settlement: the reservation now (null: none), and whether this call moved it. */
export type SettleOutbox = (outcome: ReserveOutcome | null, changed: boolean) => OutboxEvent | null;

class OutOfStock extends Error {
  constructor(readonly productId: string) {
    super(`out of stock: ${productId}`);
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The event was handled before (a redelivery): roll back and report what it did then. */
class AlreadyHandled extends Error {}

type Tx = Parameters<Parameters<InventoryDb['$transaction']>[0]>[0];

async function writeOutbox(tx: Tx, event: OutboxEvent | null) {
  if (event) await tx.outboxEvent.create({ data: { id: event.id, topic: event.topic, payload: event.payload as object } });
}

export function createReservationStore(db: InventoryDb) {
  async function current(orderId: string, client: Pick<InventoryDb, 'reservation'> = db): Promise<ReserveOutcome | null> {
    const found = await client.reservation.findUnique({ where: { orderId }, include: { items: true } });
    if (!found) return null;
    const items = found.items.map((i) => ({
      productId: i.productId,
      warehouseId: i.warehouseId,
      quantity: i.quantity,
      unitPriceAmount: i.unitPriceAmount,
      currency: i.currency,
    }));
    if (found.status === 'HELD' || found.status === 'COMMITTED')
      return { status: found.status, items, expiresAt: found.expiresAt };
    return { status: found.status, items };
  }

  /**
   * Moves an order's reservation to `to` under a row lock: HELD -> COMMITTED takes the units out of
   * stock on hand; HELD -> RELEASED/EXPIRED gives them back on sale; COMMITTED -> RELEASED (an order
   * cancelled after its stock was committed) puts them back on hand. Any other move changes nothing.
   * `outbox` sees the outcome and whether it changed, and may answer either way (a failed commit is
   * news too). With `handled`, the event is recorded as processed in the same transaction and a
   * redelivery changes and writes nothing.
   */
  async function settle(
    orderId: string,
    to: 'COMMITTED' | 'RELEASED' | 'EXPIRED',
    options: { outbox?: SettleOutbox; handled?: DomainEvent } = {},
  ): Promise<{ changed: boolean; outcome: ReserveOutcome | null }> {
    return db.$transaction(async (tx) => {
      if (options.handled && !(await markProcessed(tx, options.handled)))
        return { changed: false, outcome: await current(orderId, tx) };
      const [row] = await tx.$queryRaw<{ status: ReservationStatus }[]>`
        SELECT status::text AS status FROM reservations WHERE order_id = ${orderId}::uuid FOR UPDATE`;
      const from = row?.status ?? null;
      const changed = from === 'HELD' || (from === 'COMMITTED' && to === 'RELEASED');
      if (changed) {
        await tx.reservation.update({ where: { orderId }, data: { status: to } });
        const items = await tx.$queryRaw<{ productId: string; warehouseId: string; quantity: number }[]>`
          SELECT i.product_id::text AS "productId", i.warehouse_id::text AS "warehouseId", i.quantity
            FROM reservation_items i JOIN reservations r ON r.id = i.reservation_id
           WHERE r.order_id = ${orderId}::uuid ORDER BY i.product_id, i.warehouse_id`;
        for (const item of items) {
          // held -> committed: reserved and on hand both drop; held -> released: reserved drops;
          // committed -> released: the units come back on hand.
          const unreserve = from === 'HELD' ? item.quantity : 0;
          const onHand = from === 'COMMITTED' ? item.quantity : to === 'COMMITTED' ? -item.quantity : 0;
          await tx.$executeRaw`UPDATE stock_levels SET reserved = reserved - ${unreserve}, on_hand = on_hand + ${onHand}
            WHERE product_id = ${item.productId}::uuid AND warehouse_id = ${item.warehouseId}::uuid`;
        }
      }
      const outcome = await current(orderId, tx);
      await writeOutbox(tx, options.outbox?.(outcome, changed) ?? null);
      return { changed, outcome };
    });
  }

  return {
    current,

    /**
     * Holds stock for every line of an order until `expiresAt`, all or nothing, at the current
     * prices. Idempotent per order: a repeat returns the first outcome (an out-of-stock order is
     * recorded as RELEASED with no items, so a retry after stock frees up cannot flip it).
     */
    async reserve(
      orderId: string,
      lines: ReservationLine[],
      expiresAt: Date,
      outbox?: OutboxFor<ReserveOutcome>,
      handled?: DomainEvent,
    ): Promise<ReserveOutcome> {
      const known = await current(orderId);
      if (known) return known;
      const firstDelivery = async (tx: Tx) => !handled || (await markProcessed(tx, handled));
      if (lines.length === 0 || lines.some((l) => !Number.isInteger(l.quantity) || l.quantity < 1)) {
        throw badInput('A reservation needs lines with positive whole quantities');
      }
      // Lock rows in one global order (by product id) so concurrent reservations cannot deadlock.
      const sorted = [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
      try {
        return await db.$transaction(async (tx) => {
          if (!(await firstDelivery(tx))) throw new AlreadyHandled();
          const products = new Map(
            (await tx.product.findMany({ where: { id: { in: sorted.map((l) => l.productId) }, active: true } })).map((p) => [
              p.id,
              p,
            ]),
          );
          const items: ReservedItem[] = [];
          for (const line of sorted) {
            const product = products.get(line.productId);
            if (!product) throw new OutOfStock(line.productId);
            // Most available warehouse first; the conditional UPDATE is what decides.
            const candidates = await tx.$queryRaw<{ warehouse_id: string }[]>`
              SELECT warehouse_id::text FROM stock_levels
               WHERE product_id = ${line.productId}::uuid AND on_hand - reserved >= ${line.quantity}
               ORDER BY on_hand - reserved DESC, warehouse_id`;
            let warehouseId: string | null = null;
            for (const candidate of candidates) {
              const held = await tx.$executeRaw`UPDATE stock_levels SET reserved = reserved + ${line.quantity}
                WHERE product_id = ${line.productId}::uuid AND warehouse_id = ${candidate.warehouse_id}::uuid
                  AND on_hand - reserved >= ${line.quantity}`;
              if (held === 1) {
                warehouseId = candidate.warehouse_id;
                break;
              }
            }
            if (!warehouseId) throw new OutOfStock(line.productId);
            items.push({ ...line, warehouseId, unitPriceAmount: product.priceAmount, currency: product.priceCurrency });
          }
          await tx.reservation.create({ data: { orderId, expiresAt, items: { create: items } } });
          const outcome: ReserveOutcome = { status: 'HELD', items, expiresAt };
          await writeOutbox(tx, outbox?.(outcome) ?? null);
          return outcome;
        });
      } catch (error) {
        if (error instanceof AlreadyHandled) return (await current(orderId))!;
        if (!(error instanceof OutOfStock)) {
          // A concurrent redelivery of the same order may have reserved first.
          if ((error as { code?: string }).code === 'P2002') return (await current(orderId))!;
          throw error;
        }
        const outcome: ReserveOutcome = { status: 'OUT_OF_STOCK', productId: error.productId };
        const recorded = await db.$transaction(async (tx) => {
          if (!(await firstDelivery(tx))) return false;
          const created = await tx.reservation.createMany({
            data: [{ orderId, status: 'RELEASED', expiresAt: new Date() }],
            skipDuplicates: true,
          });
          if (created.count === 1) await writeOutbox(tx, outbox?.(outcome) ?? null);
          return created.count === 1;
        });
        // Not recorded: a concurrent delivery of the same order got there first; its outcome stands.
        return recorded ? outcome : (await current(orderId))!;
      }
    },

    /** Turns a held reservation into a decrement of stock on hand (the order was paid). */
    commit: (orderId: string, options?: { outbox?: SettleOutbox; handled?: DomainEvent }) =>
      settle(orderId, 'COMMITTED', options),

    /** Gives a held (or committed) reservation's stock back (the order was cancelled). */
    release: (orderId: string, options?: { outbox?: SettleOutbox; handled?: DomainEvent }) =>
      settle(orderId, 'RELEASED', options),

    /** Releases up to `limit` HELD reservations past their expiry; returns the order ids expired. */
    async expireDue(now: Date, limit: number, outbox?: (orderId: string) => OutboxEvent): Promise<string[]> {
      const due = await db.reservation.findMany({
        where: { status: 'HELD', expiresAt: { lte: now } },
        take: limit,
        select: { orderId: true },
      });
      const expired: string[] = [];
      for (const { orderId } of due) {
        const { changed } = await settle(orderId, 'EXPIRED', {
          outbox: (_, moved) => (moved && outbox ? outbox(orderId) : null),
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
      if (![change.productId, change.warehouseId].every((id) => uuidPattern.test(id))) throw notFound('The product or warehouse');
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
        // 23503: the product or warehouse does not exist.
        if (/23503|foreign key/i.test(String((error as { code?: string; message?: string }).message ?? ''))) {
          throw notFound('The product or warehouse');
        }
        throw error;
      }
    },
  };
}

export type ReservationStore = ReturnType<typeof createReservationStore>;
