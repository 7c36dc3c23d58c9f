/**
 * Orders, their items and status history in the orders database: the saga's writes in plain SQL
 * ({@link orderSagaWrites}), the queries ({@link orderReads}), orders' copy of the users' address
 * books, the audit trail of dead-letter replays, and seeding.
 */
import { pgAdapter, type SqlClient } from '#kit/database';
import type pg from 'pg';
import { PrismaClient } from '../__generated__/prisma/client.ts';
import type { OrderSeed, OrderStore } from '../ports.ts';
import { orderReads } from './order-reads.ts';
import { orderSagaWrites } from './order-saga-writes.ts';

/** The client type admits `$on('query')`; events only arrive when created with `log`. */
export type OrdersDb = PrismaClient<'query'>;

/** A Prisma client on the orders database; `log` enables query events (the batching tests count them). */
export function createOrdersDb(connection: string | pg.Pool, poolMax?: number, log = false): OrdersDb {
  return new PrismaClient({
    adapter: pgAdapter(connection, poolMax),
    log: log ? [{ emit: 'event' as const, level: 'query' as const }] : [],
  });
}

export interface OrderStoreOptions {
  /** Runs the saga's writes (placing, applying steps); defaults to the Prisma client's raw queries. */
  sql?: SqlClient;
  /** Called after a transaction that wrote outbox events committed (wakes the outbox relay). */
  onEventsWritten?: () => void;
}

export function createOrderStore(db: OrdersDb, options: OrderStoreOptions = {}): OrderStore {
  const sql: SqlClient = options.sql ?? db;
  return {
    ...orderSagaWrites(sql, () => options.onEventsWritten?.()),
    ...orderReads(db, sql),
    ...addressBookCopy(sql),
    ...replayAudit(db),
    saveOrder: (seed) => saveOrder(db, seed),
  };
}

/** Orders' copy of each user's address book, as the users subgraph last announced it. */
function addressBookCopy(sql: SqlClient): Pick<OrderStore, 'isAddressOf' | 'replaceAddressBook'> {
  return {
    /** True when `addressId` is in `userId`'s address book (as the users subgraph last announced it). */
    async isAddressOf(userId: string, addressId: string): Promise<boolean> {
      const rows = await sql.$queryRawUnsafe<unknown[]>(
        `SELECT 1 FROM address_book_entries WHERE user_id = $1::uuid AND address_id = $2::uuid`,
        userId,
        addressId,
      );
      return rows.length > 0;
    },

    /**
     * Replaces `userId`'s address book with `addressIds` at `version`, unless the book already is at
     * that version or a newer one (a redelivered or late event): false then.
     */
    async replaceAddressBook(userId: string, addressIds: readonly string[], version: number): Promise<boolean> {
      return sql.$transaction(async (tx) => {
        const newer = await tx.$executeRawUnsafe(
          `INSERT INTO address_books (user_id, version) VALUES ($1::uuid, $2)
           ON CONFLICT (user_id) DO UPDATE SET version = EXCLUDED.version WHERE address_books.version < EXCLUDED.version`,
          userId,
          version,
        );
        if (newer === 0) return false;
        await tx.$executeRawUnsafe(`DELETE FROM address_book_entries WHERE user_id = $1::uuid`, userId);
        await tx.$executeRawUnsafe(
          `INSERT INTO address_book_entries (user_id, address_id) SELECT $1::uuid, unnest($2::uuid[])`,
          userId,
          [...addressIds],
        );
        return true;
      });
    },
  };
}

/** The audit trail of dead-letter replays. */
function replayAudit(db: OrdersDb): Pick<OrderStore, 'recordReplay' | 'forgetReplay'> {
  return {
    /** Records that `actorId` replays a dead letter (the audit trail of replays); resolves to the record's id. */
    async recordReplay(replay: {
      deadLetterId: string;
      eventId: string;
      topic: string;
      group: string;
      actorId: string;
    }): Promise<string> {
      return (await db.deadLetterReplay.create({ data: replay, select: { id: true } })).id;
    },

    /** Takes back the record of a replay that did not happen. */
    async forgetReplay(id: string): Promise<void> {
      await db.deadLetterReplay.delete({ where: { id } });
    },
  };
}

/** Inserts or replaces an order with its items and history, by id (idempotent). */
async function saveOrder(db: OrdersDb, seed: OrderSeed): Promise<void> {
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
}
