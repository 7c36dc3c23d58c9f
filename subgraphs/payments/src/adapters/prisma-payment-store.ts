/** Payments, their provider attempts and their refunds in the payments database (Prisma). */
import { randomUUID } from 'node:crypto';
import {
  markProcessed,
  notFound,
  pgAdapter,
  writeOutbox,
  type DomainEvent,
  type OutboxEvent,
  type RawSqlTransaction,
} from '#kit';
import { PrismaClient } from '../__generated__/prisma/client.ts';
import {
  chargeAmount,
  type AttemptOutcome,
  type Charge,
  type Payment,
  type PaymentAttempt,
  type PaymentStatus,
} from '../domain/payment.ts';
import type { Refund, RefundStatus } from '../domain/refund.ts';

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
  providerRef: string | null;
  failureReason: string | null;
  createdAt: Date;
}

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

/** One call to the provider, as {@link PaymentStore.recordAttempt} records it. */
export interface AttemptRecord {
  outcome: AttemptOutcome;
  providerRef?: string | null;
  failureReason?: string | null;
}

/** How a PENDING payment ends, as {@link PaymentStore.settleCharge} writes it. */
export interface Settlement {
  status: PaymentStatus;
  providerRef?: string | null;
  failureReason?: string | null;
}

/** What a refund may take of a payment, given what its earlier refunds (pending or succeeded) take. */
export type RefundDecision = (payment: Payment, reserved: number) => number;

/** A payment's status once its succeeded refunds sum to `refunded`. */
export type RefundedStatus = (payment: Payment, refunded: number) => PaymentStatus;

/**
 * What a payment change carries into its transaction for the order saga: the events announcing it
 * (written to the outbox) and the bus event it answers (recorded as processed). Both are written only
 * when that call made the change: the change is what is idempotent, so a caller that finds it already
 * made writes nothing.
 */
export interface ChangeEffects<T> {
  /** The outbox events announcing the change, from its result. */
  announce?: (changed: T) => readonly OutboxEvent[];
  /** The bus event the change answers. */
  handled?: Pick<DomainEvent, 'id' | 'topic'>;
}

async function applyEffects<T>(tx: RawSqlTransaction, effects: ChangeEffects<T> | undefined, changed: T): Promise<void> {
  if (!effects) return;
  // The processed row matters only for handlers that may make no change (nothing to refund); here the
  // change just happened, so it is announced whatever markProcessed says.
  if (effects.handled) await markProcessed(tx, effects.handled);
  if (effects.announce) await writeOutbox(tx, effects.announce(changed));
}

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === 'P2002';

const attemptData = (paymentId: string, attempt: AttemptRecord) => ({
  paymentId,
  succeeded: attempt.outcome === 'SUCCEEDED',
  outcome: attempt.outcome,
  providerRef: attempt.providerRef ?? null,
  failureReason: attempt.failureReason ?? null,
});

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

/**
 * The reads the resolvers need, the writes of the charge and refund use cases, and idempotent
 * `save`/`add` methods for seeding.
 */
export function createPaymentStore(db: PaymentsDb) {
  const paymentById = async (tx: Pick<PaymentsDb, 'payment'>, id: string): Promise<Payment> => {
    const row = await tx.payment.findUnique({ where: { id } });
    if (!row) throw notFound('The payment');
    return toPayment(row);
  };

  // Refunds of one payment are decided one at a time: the row lock makes "what is left" exact.
  const lockPayment = async (tx: Pick<PaymentsDb, '$queryRaw'>, id: string): Promise<boolean> => {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM payments WHERE id = ${id}::uuid FOR UPDATE`;
    return rows.length > 0;
  };

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
     */
    async openCharge(charge: Charge, provider: string): Promise<Payment> {
      await db.payment.createMany({
        data: [
          {
            id: randomUUID(),
            orderId: charge.orderId,
            payerId: charge.payerId,
            amount: charge.amount.amount,
            currency: charge.amount.currency,
            provider,
          },
        ],
        skipDuplicates: true,
      });
      const row = await db.payment.findUnique({ where: { orderId: charge.orderId } });
      if (!row) throw notFound('The payment');
      return toPayment(row);
    },

    /**
     * Makes this caller the one that talks to the provider for a PENDING payment until `until`.
     * False when the payment is settled or another caller's lease has not passed `now` yet.
     */
    async claimCharge(paymentId: string, now: Date, until: Date): Promise<boolean> {
      const claimed = await db.payment.updateMany({
        where: { id: paymentId, status: 'PENDING', OR: [{ chargeLeaseUntil: null }, { chargeLeaseUntil: { lt: now } }] },
        data: { chargeLeaseUntil: until },
      });
      return claimed.count === 1;
    },

    /** Gives up a claim without settling (the provider call failed unexpectedly): another caller may go on. */
    async releaseCharge(paymentId: string): Promise<void> {
      await db.payment.updateMany({ where: { id: paymentId, status: 'PENDING' }, data: { chargeLeaseUntil: null } });
    },

    /** Records one call to the provider for a payment. */
    async recordAttempt(paymentId: string, attempt: AttemptRecord): Promise<PaymentAttempt> {
      const row = await db.paymentAttempt.create({ data: attemptData(paymentId, attempt) });
      return toAttempt(row);
    },

    /**
     * Records the last attempt and ends the PENDING payment with `settlement`, in one transaction,
     * with `effects` when this call ends it. `settled` is false when it was no longer PENDING (another
     * caller settled it first); `payment` is then that caller's result.
     */
    async settleCharge(
      paymentId: string,
      attempt: AttemptRecord,
      settlement: Settlement,
      effects?: ChangeEffects<Payment>,
    ): Promise<{ payment: Payment; settled: boolean }> {
      return db.$transaction(async (tx) => {
        await tx.paymentAttempt.create({ data: attemptData(paymentId, attempt) });
        const updated = await tx.payment.updateMany({
          where: { id: paymentId, status: 'PENDING' },
          data: {
            status: settlement.status,
            providerRef: settlement.providerRef ?? null,
            failureReason: settlement.failureReason ?? null,
            chargeLeaseUntil: null,
          },
        });
        const payment = await paymentById(tx, paymentId);
        const settled = updated.count === 1;
        if (settled) await applyEffects(tx, effects, payment);
        return { payment, settled };
      });
    },

    /** The most recent attempt of a payment, if any. */
    async lastAttempt(paymentId: string): Promise<PaymentAttempt | null> {
      const row = await db.paymentAttempt.findFirst({
        where: { paymentId },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      });
      return row && toAttempt(row);
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
      if (!uuidPattern.test(paymentId)) return null;
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
        if (marked.count === 1) await applyEffects(tx, effects, { payment, refund });
        return { payment, refund };
      });
    },

    /** Whether a bus event was recorded as handled (by a change's effects or {@link recordHandled}). */
    async wasHandled(event: Pick<DomainEvent, 'id'>): Promise<boolean> {
      return (await db.processedEvent.count({ where: { id: event.id } })) > 0;
    },

    /** Records a bus event that called for no change as handled; false when it already was. */
    async recordHandled(event: Pick<DomainEvent, 'id' | 'topic'>): Promise<boolean> {
      return markProcessed(db, event);
    },

    /** The refunds of a payment, oldest first. */
    async refundsOf(paymentId: string): Promise<Refund[]> {
      if (!uuidPattern.test(paymentId)) return [];
      const rows = await db.refund.findMany({ where: { paymentId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      return rows.map(toRefund);
    },
  };
}

export type PaymentStore = ReturnType<typeof createPaymentStore>;
