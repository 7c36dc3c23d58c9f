/** Payments and their provider attempts in the payments database (Prisma). */
import { randomUUID } from 'node:crypto';
import { pgAdapter } from '#kit';
import { PrismaClient } from '../__generated__/prisma/client.ts';
import { chargeAmount, type Payment, type PaymentAttempt, type PaymentStatus } from '../domain/payment.ts';

/** The payments Prisma client; typed with query events so tests can count SQL statements. */
export type PaymentsDb = PrismaClient<'query'>;

/** A Prisma client on the payments database; `log` enables query events (the batching test counts them). */
export function createPaymentsDb(databaseUrl: string, poolMax?: number, log = false): PaymentsDb {
  return new PrismaClient({
    adapter: pgAdapter(databaseUrl, poolMax),
    log: log ? [{ emit: 'event', level: 'query' }] : [],
  });
}

// Ids are UUID columns: a malformed id names no payment, and must not reach Postgres as a cast error.
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuids = (ids: readonly string[]) => [...new Set(ids.filter((id) => uuidPattern.test(id)))];

interface PaymentRow {
  id: string;
  orderId: string;
  payerId: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  provider: string;
  createdAt: Date;
}

const toPayment = (row: PaymentRow): Payment => ({
  id: row.id,
  orderId: row.orderId,
  payerId: row.payerId,
  amount: { amount: row.amount, currency: row.currency },
  status: row.status,
  provider: row.provider,
  createdAt: row.createdAt,
});

interface AttemptRow {
  id: string;
  paymentId: string;
  succeeded: boolean;
  failureReason: string | null;
  providerRef: string | null;
  createdAt: Date;
}

const toAttempt = ({ createdAt, ...row }: AttemptRow): PaymentAttempt => ({ ...row, at: createdAt });

/** What seeding passes to {@link PaymentStore.savePayment}. */
export interface PaymentSeed {
  id: string;
  orderId: string;
  payerId: string;
  /** Minor units of `currency`. */
  amount: number;
  currency: string;
  /** Defaults to PENDING on creation. */
  status?: PaymentStatus;
  provider: string;
  /** Defaults to now on creation; never changed by a later save. */
  createdAt?: Date;
}

/** What seeding passes to {@link PaymentStore.addAttempt}. */
export interface AttemptSeed {
  /** Given: adding the same attempt again changes nothing. Omitted: a new attempt every call. */
  id?: string;
  paymentId: string;
  succeeded: boolean;
  failureReason?: string | null;
  providerRef?: string | null;
  /** Defaults to now. */
  at?: Date;
}

/** The reads the resolvers need, plus idempotent `save`/`add` methods for seeding. */
export function createPaymentStore(db: PaymentsDb) {
  return {
    /** Payments by id, in no particular order: one SQL statement whatever the number of ids. */
    async byIds(ids: readonly string[]): Promise<Payment[]> {
      const wanted = uuids(ids);
      if (wanted.length === 0) return [];
      return (await db.payment.findMany({ where: { id: { in: wanted } } })).map(toPayment);
    },

    /** The payments of orders (at most one each), in no particular order: one SQL statement. */
    async byOrderIds(orderIds: readonly string[]): Promise<Payment[]> {
      const wanted = uuids(orderIds);
      if (wanted.length === 0) return [];
      return (await db.payment.findMany({ where: { orderId: { in: wanted } } })).map(toPayment);
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

export type PaymentStore = ReturnType<typeof createPaymentStore>;
