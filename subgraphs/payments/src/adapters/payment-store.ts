/**
 * Payments, their provider attempts and their refunds in the payments database: the order saga's
 * charge path in plain SQL ({@link paymentCharges}), refunds ({@link paymentRefunds}), and with
 * Prisma the resolvers' reads and seeding.
 */
import { randomUUID } from 'node:crypto';
import { pgAdapter, type SqlRunner } from '#kit/database';
import type pg from 'pg';
import { PrismaClient } from '../__generated__/prisma/client.ts';
import { chargeAmount, type Payment, type PaymentAttempt } from '../domain/payment.ts';
import type { AttemptSeed, PaymentSeed, PaymentStore } from '../ports.ts';
import { paymentCharges } from './payment-charges.ts';
import { paymentRefunds } from './payment-refunds.ts';
import { paymentsWhere, toAttempt, uuids } from './payment-rows.ts';

/** The payments Prisma client; typed with query events so tests can count SQL statements. */
export type PaymentsDb = PrismaClient<'query'>;

/**
 * A Prisma client on the payments database, on its own pool or on `connection` (shared with a
 * `sqlClient`); `log` enables query events (the batching test counts them).
 */
export function createPaymentsDb(connection: string | pg.Pool, poolMax?: number, log = false): PaymentsDb {
  return new PrismaClient({
    adapter: pgAdapter(connection, poolMax),
    log: log ? [{ emit: 'event', level: 'query' }] : [],
  });
}

/** How {@link createPaymentStore} reaches the database besides the Prisma client. */
export interface PaymentStoreOptions {
  /**
   * Runs the order saga's statements (charging, the handled marks, the payment reads of the saga
   * handlers) as plain SQL: the kit's `sqlClient` on the Prisma client's pool. Defaults to the
   * Prisma client's raw queries.
   */
  sql?: SqlRunner;
}

/**
 * The reads the resolvers need, the writes of the charge and refund use cases, and idempotent
 * `save`/`add` methods for seeding.
 */
export function createPaymentStore(db: PaymentsDb, options: PaymentStoreOptions = {}): PaymentStore {
  const sql: SqlRunner = options.sql ?? db;
  return {
    ...paymentCharges(sql),
    ...paymentRefunds(db),
    ...paymentReads(db, sql),
    ...paymentSeeding(db),
  };
}

/** The resolvers' reads: one SQL statement whatever the number of ids. */
function paymentReads(db: PaymentsDb, sql: SqlRunner): Pick<PaymentStore, 'byIds' | 'byOrderIds' | 'attemptsOf'> {
  return {
    /** Payments by id, in no particular order: one SQL statement whatever the number of ids. */
    async byIds(ids: readonly string[]): Promise<Payment[]> {
      const wanted = uuids(ids);
      if (wanted.length === 0) return [];
      return paymentsWhere(sql, 'id = ANY($1::uuid[])', wanted);
    },

    /** The payments of orders (at most one each), in no particular order: one SQL statement. */
    async byOrderIds(orderIds: readonly string[]): Promise<Payment[]> {
      const wanted = uuids(orderIds);
      if (wanted.length === 0) return [];
      return paymentsWhere(sql, 'order_id = ANY($1::uuid[])', wanted);
    },

    /** The attempts of payments, oldest first: one SQL statement. */
    async attemptsOf(paymentIds: readonly string[]): Promise<PaymentAttempt[]> {
      const wanted = uuids(paymentIds);
      if (wanted.length === 0) return [];
      const rows = await db.paymentAttempt.findMany({
        where: { paymentId: { in: wanted } },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      });
      return rows.map(toAttempt);
    },
  };
}

/** Idempotent writes for demo data and admin tooling. */
function paymentSeeding(db: PaymentsDb): Pick<PaymentStore, 'savePayment' | 'addAttempt'> {
  return {
    /** Inserts or replaces a payment (demo data, admin tooling); no status rules apply here. */
    async savePayment(seed: PaymentSeed): Promise<void> {
      const money = chargeAmount(seed.amount, seed.currency);
      const fields = {
        orderId: seed.orderId,
        payerId: seed.payerId,
        amount: money.amount,
        currency: money.currency,
        provider: seed.provider,
        ...(seed.status ? { status: seed.status } : {}),
        ...(seed.providerRef !== undefined ? { providerRef: seed.providerRef } : {}),
        ...(seed.failureReason !== undefined ? { failureReason: seed.failureReason } : {}),
      };
      await db.payment.upsert({
        where: { id: seed.id },
        create: { id: seed.id, ...fields, ...(seed.createdAt ? { createdAt: seed.createdAt } : {}) },
        update: fields,
      });
    },

    /** Records an attempt to charge a payment (demo data); idempotent when `id` is given. */
    async addAttempt(seed: AttemptSeed): Promise<PaymentAttempt> {
      const id = seed.id ?? randomUUID();
      const row = await db.paymentAttempt.upsert({
        where: { id },
        create: {
          id,
          paymentId: seed.paymentId,
          succeeded: seed.succeeded,
          outcome: seed.outcome ?? (seed.succeeded ? 'SUCCEEDED' : 'DECLINED'),
          failureReason: seed.failureReason ?? null,
          providerRef: seed.providerRef ?? null,
          ...(seed.at ? { createdAt: seed.at } : {}),
        },
        update: {},
      });
      return toAttempt(row);
    },
  };
}
