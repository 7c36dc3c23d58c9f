/**
 * Payments, their provider attempts and their refunds in the payments database. Prisma serves the
 * reads, seeding and refunds; the order saga's charge path runs plain SQL (see {@link PaymentStoreOptions}).
 */
import { randomUUID } from 'node:crypto';
import {
  effectsSql,
  isUniqueViolation,
  notFound,
  pgAdapter,
  writeEffects,
  type ChangeEffects,
  type DomainEvent,
  type HandledEvent,
  type SqlRunner,
  isUuid,
} from '#kit';
import type pg from 'pg';
import { PrismaClient } from '../__generated__/prisma/client.ts';
import {
  chargeAmount,
  type AttemptOutcome,
  type AttemptRecord,
  type Charge,
  type Payment,
  type PaymentAttempt,
  type PaymentStatus,
  type Settlement,
} from '../domain/payment.ts';
import type { RefundDecision, RefundedStatus, Refund, RefundStatus } from '../domain/refund.ts';

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

const uuids = (ids: readonly string[]) => [...new Set(ids.filter((id) => isUuid(id)))];

interface PaymentRow {
  id: string;
  orderId: string;
  payerId: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  provider: string;
  providerRef: string | null;
  failureReason: string | null;
  createdAt: Date;
}

/** The columns of a {@link PaymentRow} in raw SQL (enums read as text). */
const paymentSql = `id, order_id AS "orderId", payer_id AS "payerId", amount, currency, status::text AS status, provider,
  provider_ref AS "providerRef", failure_reason AS "failureReason", created_at AS "createdAt"`;

const toPayment = (row: PaymentRow): Payment => ({
  id: row.id,
  orderId: row.orderId,
  payerId: row.payerId,
  amount: { amount: row.amount, currency: row.currency },
  status: row.status,
  provider: row.provider,
  providerRef: row.providerRef,
  failureReason: row.failureReason,
  createdAt: row.createdAt,
});

interface AttemptRow {
  id: string;
  paymentId: string;
  succeeded: boolean;
  outcome: AttemptOutcome;
  failureReason: string | null;
  providerRef: string | null;
  createdAt: Date;
}

const attemptSql = `id, payment_id AS "paymentId", succeeded, outcome::text AS outcome, failure_reason AS "failureReason",
  provider_ref AS "providerRef", created_at AS "createdAt"`;

const toAttempt = ({ createdAt, ...row }: AttemptRow): PaymentAttempt => ({ ...row, at: createdAt });

interface RefundRow {
  id: string;
  paymentId: string;
  amount: number;
  currency: string;
  status: RefundStatus;
  providerRef: string | null;
  idempotencyKey: string;
  createdAt: Date;
}

const toRefund = ({ amount, currency, ...row }: RefundRow): Refund => ({ ...row, amount: { amount, currency } });

// A payment change's effects (the events announcing it, the bus event it answers) are written only
// when that call made the change: the change is what is idempotent, so a caller that finds it
// already made writes nothing.

/** The parameters of a new attempt row: id, payment, succeeded, outcome, provider_ref, failure_reason. */
const attemptParams = (paymentId: string, attempt: AttemptRecord) => [
  randomUUID(),
  paymentId,
  attempt.outcome === 'SUCCEEDED',
  attempt.outcome,
  attempt.providerRef ?? null,
  attempt.failureReason ?? null,
];
const insertAttemptSql = `INSERT INTO payment_attempts (id, payment_id, succeeded, outcome, provider_ref, failure_reason)
  VALUES ($1::uuid, $2::uuid, $3, $4::"AttemptOutcome", $5, $6)`;

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
  /** The provider's charge reference (a SUCCEEDED payment needs one to be refundable). */
  providerRef?: string | null;
  failureReason?: string | null;
  /** Defaults to now on creation; never changed by a later save. */
  createdAt?: Date;
}

/** What seeding passes to {@link PaymentStore.addAttempt}. */
export interface AttemptSeed {
  /** Given: adding the same attempt again changes nothing. Omitted: a new attempt every call. */
  id?: string;
  paymentId: string;
  succeeded: boolean;
  /** Defaults to SUCCEEDED for a successful attempt and DECLINED otherwise. */
  outcome?: AttemptOutcome;
  failureReason?: string | null;
  providerRef?: string | null;
  /** Defaults to now. */
  at?: Date;
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
export function createPaymentStore(db: PaymentsDb, options: PaymentStoreOptions = {}) {
  const sql: SqlRunner = options.sql ?? db;

  const paymentById = async (tx: Pick<PaymentsDb, 'payment'>, id: string): Promise<Payment> => {
    const row = await tx.payment.findUnique({ where: { id } });
    if (!row) throw notFound('The payment');
    return toPayment(row);
  };

  const paymentsWhere = async (condition: string, ...values: unknown[]): Promise<Payment[]> =>
    (await sql.$queryRawUnsafe<PaymentRow[]>(`SELECT ${paymentSql} FROM payments WHERE ${condition}`, ...values)).map(toPayment);

  // Refunds of one payment are decided one at a time: the row lock makes "what is left" exact.
  const lockPayment = async (tx: Pick<PaymentsDb, '$queryRaw'>, id: string): Promise<boolean> => {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM payments WHERE id = ${id}::uuid FOR UPDATE`;
    return rows.length > 0;
  };

  /** The refunds of many payments, each payment's oldest first: one SQL statement. */
  const refundsOfPayments = async (paymentIds: readonly string[]): Promise<Refund[]> => {
    const wanted = uuids(paymentIds);
    if (wanted.length === 0) return [];
    const rows = await db.refund.findMany({
      where: { paymentId: { in: wanted } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    return rows.map(toRefund);
  };

  return {
    /** Payments by id, in no particular order: one SQL statement whatever the number of ids. */
    async byIds(ids: readonly string[]): Promise<Payment[]> {
      const wanted = uuids(ids);
      if (wanted.length === 0) return [];
      return paymentsWhere('id = ANY($1::uuid[])', wanted);
    },

    /** The payments of orders (at most one each), in no particular order: one SQL statement. */
    async byOrderIds(orderIds: readonly string[]): Promise<Payment[]> {
      const wanted = uuids(orderIds);
      if (wanted.length === 0) return [];
      return paymentsWhere('order_id = ANY($1::uuid[])', wanted);
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

    /**
     * The order's payment, created PENDING when it has none (`order_id` is unique, so concurrent
     * callers all get the same row). An existing payment is returned as it is, whatever its status.
     * With `claimUntil`, a payment this call creates is created claimed by it until then (see
     * {@link claimCharge}), saving the creator a statement; `claimed` says whether that happened.
     */
    async openCharge(charge: Charge, provider: string, claimUntil?: Date): Promise<{ payment: Payment; claimed: boolean }> {
      // One statement: the new row, or the one already there. A row inserted by a concurrent caller
      // that committed after this statement began is invisible to its SELECT: read again then.
      const [row] = await sql.$queryRawUnsafe<(PaymentRow & { created: boolean })[]>(
        `WITH created AS (
           INSERT INTO payments (id, order_id, payer_id, amount, currency, provider, charge_lease_until, updated_at)
           VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6, $7::timestamptz, now())
           ON CONFLICT (order_id) DO NOTHING
           RETURNING ${paymentSql}, true AS created)
         SELECT * FROM created
         UNION ALL
         SELECT ${paymentSql}, false AS created FROM payments
          WHERE order_id = $2::uuid AND NOT EXISTS (SELECT 1 FROM created)`,
        randomUUID(),
        charge.orderId,
        charge.payerId,
        charge.amount.amount,
        charge.amount.currency,
        provider,
        claimUntil ?? null,
      );
      if (row) return { payment: toPayment(row), claimed: row.created && claimUntil !== undefined };
      const [existing] = await paymentsWhere('order_id = $1::uuid', charge.orderId);
      if (!existing) throw notFound('The payment');
      return { payment: existing, claimed: false };
    },

    /**
     * Makes this caller the one that talks to the provider for a PENDING payment until `until`.
     * False when the payment is settled or another caller's lease has not passed `now` yet.
     */
    async claimCharge(paymentId: string, now: Date, until: Date): Promise<boolean> {
      const claimed = await sql.$executeRawUnsafe(
        `UPDATE payments SET charge_lease_until = $3::timestamptz, updated_at = now()
          WHERE id = $1::uuid AND status = 'PENDING' AND (charge_lease_until IS NULL OR charge_lease_until < $2::timestamptz)`,
        paymentId,
        now,
        until,
      );
      return claimed === 1;
    },

    /** Gives up a claim without settling (the provider call failed unexpectedly): another caller may go on. */
    async releaseCharge(paymentId: string): Promise<void> {
      await sql.$executeRawUnsafe(
        `UPDATE payments SET charge_lease_until = NULL, updated_at = now() WHERE id = $1::uuid AND status = 'PENDING'`,
        paymentId,
      );
    },

    /** Records one call to the provider for a payment. */
    async recordAttempt(paymentId: string, attempt: AttemptRecord): Promise<PaymentAttempt> {
      const [row] = await sql.$queryRawUnsafe<AttemptRow[]>(
        `${insertAttemptSql} RETURNING ${attemptSql}`,
        ...attemptParams(paymentId, attempt),
      );
      if (!row) throw new Error(`the attempt of payment ${paymentId} was not recorded`);
      return toAttempt(row);
    },

    /**
     * Records the last attempt and ends the PENDING payment with `settlement`, with `effects` when
     * this call ends it, all in one statement. `settled` is false when it was no longer PENDING
     * (another caller settled it first); `payment` is then that caller's result.
     * `effects.announce` is given `pending` as the settlement leaves it: the events are written by the
     * same statement that settles, so they are made before it runs (and dropped when it does not settle).
     */
    async settleCharge(
      pending: Payment,
      attempt: AttemptRecord,
      settlement: Settlement,
      effects?: ChangeEffects<Payment>,
    ): Promise<{ payment: Payment; settled: boolean }> {
      const ended: Payment = {
        ...pending,
        status: settlement.status,
        providerRef: settlement.providerRef ?? null,
        failureReason: settlement.failureReason ?? null,
      };
      // The processed mark and the outbox rows are inserted only from the row the UPDATE settled, as
      // writeEffects would inside a transaction.
      const written = effectsSql(effects, ended, {
        params: [...attemptParams(pending.id, attempt), ended.status, ended.providerRef, ended.failureReason],
        redelivery: 'ignored',
        handledIf: 'settled',
        announceIf: 'settled',
      });
      const [row] = await sql.$queryRawUnsafe<PaymentRow[]>(
        `WITH attempt AS (${insertAttemptSql}),
         settled AS (
           UPDATE payments
              SET status = $7::"PaymentStatus", provider_ref = $8, failure_reason = $9, charge_lease_until = NULL,
                  updated_at = now()
            WHERE id = $2::uuid AND status = 'PENDING'
           RETURNING ${paymentSql})${written.ctes}
         SELECT * FROM settled`,
        ...written.params,
      );
      if (row) return { payment: toPayment(row), settled: true };
      // Read after the statement, not in it: its snapshot may predate the other caller's settlement.
      const [current] = await paymentsWhere('id = $1::uuid', pending.id);
      if (!current) throw notFound('The payment');
      return { payment: current, settled: false };
    },

    /** The most recent attempt of a payment, if any. */
    async lastAttempt(paymentId: string): Promise<PaymentAttempt | null> {
      const [row] = await sql.$queryRawUnsafe<AttemptRow[]>(
        `SELECT ${attemptSql} FROM payment_attempts WHERE payment_id = $1::uuid ORDER BY created_at DESC, id DESC LIMIT 1`,
        paymentId,
      );
      return row ? toAttempt(row) : null;
    },

    /**
     * Reserves a refund of a payment under `idempotencyKey`, or finds the refund already made under it.
     * New refunds are decided under a lock on the payment: `decide` gets the payment and what its
     * refunds already take, and returns the amount (or throws). Null when the payment does not exist.
     */
    async reserveRefund(
      paymentId: string,
      idempotencyKey: string,
      decide: RefundDecision,
    ): Promise<{ payment: Payment; refund: Refund } | null> {
      if (!isUuid(paymentId)) return null;
      try {
        return await db.$transaction(async (tx) => {
          if (!(await lockPayment(tx, paymentId))) return null;
          const payment = await paymentById(tx, paymentId);
          const existing = await tx.refund.findUnique({ where: { idempotencyKey } });
          if (existing) return { payment, refund: toRefund(existing) };
          const taken = await tx.refund.aggregate({ where: { paymentId }, _sum: { amount: true } });
          const amount = decide(payment, taken._sum.amount ?? 0);
          const created = await tx.refund.create({
            data: { id: randomUUID(), paymentId, amount, currency: payment.amount.currency, idempotencyKey },
          });
          return { payment, refund: toRefund(created) };
        });
      } catch (error) {
        // The same key used at the same time on another payment: that one won.
        if (!isUniqueViolation(error)) throw error;
        const existing = await db.refund.findUnique({ where: { idempotencyKey } });
        if (!existing) throw error;
        return { payment: await paymentById(db, existing.paymentId), refund: toRefund(existing) };
      }
    },

    /**
     * Marks a PENDING refund SUCCEEDED and moves its payment to the status `statusFor` gives for the
     * new refunded total, in one transaction, with `effects`. A refund already SUCCEEDED is returned
     * unchanged, and `effects` are not applied.
     */
    async completeRefund(
      refundId: string,
      providerRef: string,
      statusFor: RefundedStatus,
      effects?: ChangeEffects<{ payment: Payment; refund: Refund }>,
    ): Promise<{ payment: Payment; refund: Refund }> {
      return db.$transaction(async (tx) => {
        const pending = await tx.refund.findUnique({ where: { id: refundId } });
        if (!pending) throw notFound('The refund');
        await lockPayment(tx, pending.paymentId);
        const marked = await tx.refund.updateMany({
          where: { id: refundId, status: 'PENDING' },
          data: { status: 'SUCCEEDED', providerRef },
        });
        let payment = await paymentById(tx, pending.paymentId);
        if (marked.count === 1) {
          const refunded = await tx.refund.aggregate({
            where: { paymentId: payment.id, status: 'SUCCEEDED' },
            _sum: { amount: true },
          });
          const status = statusFor(payment, refunded._sum.amount ?? 0);
          if (status !== payment.status) {
            await tx.payment.update({ where: { id: payment.id }, data: { status } });
            payment = { ...payment, status };
          }
        }
        const refund = toRefund(await tx.refund.findUniqueOrThrow({ where: { id: refundId } }));
        // The processed row matters only for handlers that may make no change (nothing to refund); here
        // the change just happened, so it is announced whether or not the event was recorded before.
        if (marked.count === 1 && effects) await writeEffects(tx, effects, { payment, refund });
        return { payment, refund };
      });
    },

    /** Whether a bus event was recorded as handled (by a change's effects or {@link recordHandled}). */
    async wasHandled(event: Pick<DomainEvent, 'id'>): Promise<boolean> {
      const rows = await sql.$queryRawUnsafe<unknown[]>('SELECT 1 FROM processed_events WHERE id = $1', event.id);
      return rows.length > 0;
    },

    /** Records a bus event that called for no change as handled; false when it already was. */
    async recordHandled(event: HandledEvent): Promise<boolean> {
      return writeEffects(sql, { handled: event });
    },

    /** The refunds of a payment, oldest first. */
    refundsOf: (paymentId: string): Promise<Refund[]> => refundsOfPayments([paymentId]),

    refundsOfPayments,
  };
}

export type PaymentStore = ReturnType<typeof createPaymentStore>;
