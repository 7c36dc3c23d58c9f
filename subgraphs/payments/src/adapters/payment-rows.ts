/** Payments, attempts and refunds as rows of the payments database, and the SQL shared by the store's parts. */
import { randomUUID } from 'node:crypto';
import type { SqlRunner } from '#kit/database';
import { notFound } from '#kit/errors';
import { isUuid } from '#kit/ids';
import type { AttemptRecord, Payment, PaymentAttempt, PaymentStatus } from '../domain/payment.ts';
import type { Refund, RefundStatus } from '../domain/refund.ts';
import type { PaymentsDb } from './payment-store.ts';

export const uuids = (ids: readonly string[]) => [...new Set(ids.filter((id) => isUuid(id)))];

export interface PaymentRow {
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
export const paymentSql = `id, order_id AS "orderId", payer_id AS "payerId", amount, currency, status::text AS status, provider,
  provider_ref AS "providerRef", failure_reason AS "failureReason", created_at AS "createdAt"`;

export const toPayment = (row: PaymentRow): Payment => ({
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

/** An attempt as stored: its time is the row's creation time. */
export type AttemptRow = Omit<PaymentAttempt, 'at'> & { createdAt: Date };

export const attemptSql = `id, payment_id AS "paymentId", succeeded, outcome::text AS outcome, failure_reason AS "failureReason",
  provider_ref AS "providerRef", created_at AS "createdAt"`;

export const toAttempt = ({ createdAt, ...row }: AttemptRow): PaymentAttempt => ({ ...row, at: createdAt });

export interface RefundRow {
  id: string;
  paymentId: string;
  amount: number;
  currency: string;
  status: RefundStatus;
  providerRef: string | null;
  idempotencyKey: string;
  createdAt: Date;
}

export const toRefund = ({ amount, currency, ...row }: RefundRow): Refund => ({ ...row, amount: { amount, currency } });

/** The parameters of a new attempt row: id, payment, succeeded, outcome, provider_ref, failure_reason. */
export const attemptParams = (paymentId: string, attempt: AttemptRecord) => [
  randomUUID(),
  paymentId,
  attempt.outcome === 'SUCCEEDED',
  attempt.outcome,
  attempt.providerRef ?? null,
  attempt.failureReason ?? null,
];
export const insertAttemptSql = `INSERT INTO payment_attempts (id, payment_id, succeeded, outcome, provider_ref, failure_reason)
  VALUES ($1::uuid, $2::uuid, $3, $4::"AttemptOutcome", $5, $6)`;

/** Payments matching a raw SQL condition (`$1`… are `values`). */
export const paymentsWhere = async (sql: SqlRunner, condition: string, ...values: unknown[]): Promise<Payment[]> =>
  (await sql.$queryRawUnsafe<PaymentRow[]>(`SELECT ${paymentSql} FROM payments WHERE ${condition}`, ...values)).map(toPayment);

/** One payment by id (Prisma, in or out of a transaction); NOT_FOUND when there is none. */
export const paymentById = async (tx: Pick<PaymentsDb, 'payment'>, id: string): Promise<Payment> => {
  const row = await tx.payment.findUnique({ where: { id } });
  if (!row) throw notFound('The payment');
  return toPayment(row);
};
