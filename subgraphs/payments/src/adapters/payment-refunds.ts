/** Refunds in the payments database (Prisma): reserved under a lock on their payment, completed with their effects. */
import { randomUUID } from 'node:crypto';
import { isUniqueViolation } from '#kit/database';
import { notFound } from '#kit/errors';
import { isUuid } from '#kit/ids';
import { writeEffects, type ChangeEffects } from '#kit/outbox';
import type { Payment } from '../domain/payment.ts';
import type { Refund, RefundDecision, RefundedStatus } from '../domain/refund.ts';
import type { PaymentStore } from '../ports.ts';
import type { PaymentsDb } from './payment-store.ts';
import { paymentById, toRefund, uuids } from './payment-rows.ts';

type Refunds = 'reserveRefund' | 'completeRefund' | 'refundsOf' | 'refundsOfPayments';

// Refunds of one payment are decided one at a time: the row lock makes "what is left" exact.
const lockPayment = async (tx: Pick<PaymentsDb, '$queryRaw'>, id: string): Promise<boolean> => {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM payments WHERE id = ${id}::uuid FOR UPDATE`;
  return rows.length > 0;
};

export function paymentRefunds(db: PaymentsDb): Pick<PaymentStore, Refunds> {
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

    /** The refunds of a payment, oldest first. */
    refundsOf: (paymentId: string): Promise<Refund[]> => refundsOfPayments([paymentId]),

    refundsOfPayments,
  };
}
