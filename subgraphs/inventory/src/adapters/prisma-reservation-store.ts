/**
 * Reservations and stock movements in the inventory database. Every change of stock is a
 * conditional UPDATE (`... WHERE on_hand - reserved >= quantity`): the row lock and the re-checked
 * condition make oversell impossible under any concurrency, and the table's CHECK constraints back
 * that up. Each state change writes its outbox event in the same transaction.
 */
import { badInput, type DomainEvent } from '#kit';
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
export type OutboxFor<T> = (outcome: T) => Omit<DomainEvent, 'occurredAt'> | null;

class OutOfStock extends Error {
  constructor(readonly productId: string) {
    super(`out of stock: ${productId}`);
  }
}

type Tx = Parameters<Parameters<InventoryDb['$transaction']>[0]>[0];

async function writeOutbox(tx: Tx, event: Omit<DomainEvent, 'occurredAt'> | null) {
  if (event) await tx.outboxEvent.create({ data: { id: event.id, topic: event.topic, payload: event.payload as object } });
}

export function createReservationStore(db: InventoryDb) {
  async function current(orderId: string): Promise<ReserveOutcome | null> {
    const found = await db.reservation.findUnique({ where: { orderId }, include: { items: true } });
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

  /** Moves a HELD reservation to `to`, giving stock back (release/expire) or taking it out (commit). */
  async function settle(orderId: string, to: 'COMMITTED' | 'RELEASED' | 'EXPIRED', outbox?: OutboxFor<ReserveOutcome>) {
    const changed = await db.$transaction(async (tx) => {
      const moved = await tx.reservation.updateMany({ where: { orderId, status: 'HELD' }, data: { status: to } });
      if (moved.count === 0) return false;
      const reservation = await tx.reservation.findUniqueOrThrow({ where: { orderId }, include: { items: true } });
      for (const item of reservation.items) {
        const taken = to === 'COMMITTED' ? item.quantity : 0;
        await tx.$executeRaw`UPDATE stock_levels SET reserved = reserved - ${item.quantity}, on_hand = on_hand - ${taken}
          WHERE product_id = ${item.productId}::uuid AND warehouse_id = ${item.warehouseId}::uuid`;
      }
      const items = reservation.items.map(({ productId, warehouseId, quantity, unitPriceAmount, currency }) => ({
        productId,
        warehouseId,
        quantity,
        unitPriceAmount,
        currency,
      }));
      const outcome: ReserveOutcome =
        to === 'COMMITTED' ? { status: to, items, expiresAt: reservation.expiresAt } : { status: to, items };
      await writeOutbox(tx, outbox?.(outcome) ?? null);
      return true;
    });
    return { changed, outcome: (await current(orderId))! };
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
    ): Promise<ReserveOutcome> {
      const known = await current(orderId);
      if (known) return known;
      if (lines.length === 0 || lines.some((l) => !Number.isInteger(l.quantity) || l.quantity < 1)) {
        throw badInput('A reservation needs lines with positive whole quantities');
      }
      // Lock rows in one global order (by product id) so concurrent reservations cannot deadlock.
      const sorted = [...lines].sort((a, b) => a.productId.localeCompare(b.productId));
      try {
        return await db.$transaction(async (tx) => {
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
        if (!(error instanceof OutOfStock)) {
          // A concurrent redelivery of the same order may have reserved first.
          if ((error as { code?: string }).code === 'P2002') return (await current(orderId))!;
          throw error;
        }
        const outcome: ReserveOutcome = { status: 'OUT_OF_STOCK', productId: error.productId };
        const recorded = await db.$transaction(async (tx) => {
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
    commit: (orderId: string, outbox?: OutboxFor<ReserveOutcome>) => settle(orderId, 'COMMITTED', outbox),

    /** Gives a held reservation's stock back (the order was cancelled). */
    release: (orderId: string, outbox?: OutboxFor<ReserveOutcome>) => settle(orderId, 'RELEASED', outbox),

    /** Releases up to `limit` HELD reservations past their expiry; returns the order ids expired. */
    async expireDue(now: Date, limit: number, outbox?: (orderId: string) => OutboxFor<ReserveOutcome>): Promise<string[]> {
      const due = await db.reservation.findMany({
        where: { status: 'HELD', expiresAt: { lte: now } },
        take: limit,
        select: { orderId: true },
      });
      const expired: string[] = [];
      for (const { orderId } of due) {
        const { changed } = await settle(orderId, 'EXPIRED', outbox?.(orderId));
        if (changed) expired.push(orderId);
      }
      return expired;
    },

    /**
     * Changes stock on hand by `delta` (intake, loss, count correction) with an audit row, in one
     * transaction. Refused when it would leave less on hand than is reserved.
     */
    async adjustStock(change: { productId: string; warehouseId: string; delta: number; reason: string; actorId: string }) {
      if (!Number.isInteger(change.delta) || change.delta === 0)
        throw badInput('delta must be a non-zero whole number', { field: 'delta' });
      return db.$transaction(async (tx) => {
        const rows = await tx.$queryRaw<{ on_hand: number; reserved: number }[]>`
          UPDATE stock_levels SET on_hand = on_hand + ${change.delta}
           WHERE product_id = ${change.productId}::uuid AND warehouse_id = ${change.warehouseId}::uuid
             AND on_hand + ${change.delta} >= reserved
          RETURNING on_hand, reserved`;
        const level = rows[0];
        if (!level) throw badInput('The adjustment would leave less stock than is reserved (or there is no such stock level)');
        await tx.stockAdjustment.create({ data: change });
        return { onHand: level.on_hand, reserved: level.reserved };
      });
    },
  };
}

export type ReservationStore = ReturnType<typeof createReservationStore>;
