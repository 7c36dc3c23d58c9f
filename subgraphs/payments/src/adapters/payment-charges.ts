/**
 * The order saga's charge path in the payments database, in plain SQL: opening and claiming a
 * charge, recording the provider's attempts, settling with the change's effects in one statement,
 * and the handled marks of the saga's events.
 */
import { randomUUID } from 'node:crypto';
import type { SqlRunner } from '#kit/database';
import { notFound } from '#kit/errors';
import type { DomainEvent } from '#kit/events';
import { effectsSql, markProcessed, type ChangeEffects, type HandledEvent } from '#kit/outbox';
import type { AttemptRecord, Charge, Payment, PaymentAttempt, Settlement } from '../domain/payment.ts';
import type { PaymentStore } from '../ports.ts';
import {
  attemptParams,
  attemptSql,
  insertAttemptSql,
  paymentSql,
  paymentsWhere,
  toAttempt,
  toPayment,
  type AttemptRow,
  type PaymentRow,
} from './payment-rows.ts';

type ChargePath =
  | 'openCharge'
  | 'claimCharge'
  | 'releaseCharge'
  | 'recordAttempt'
  | 'settleCharge'
  | 'lastAttempt'
  | 'wasHandled'
  | 'recordHandled';

// The charge path's fixed statements, built once rather than on every saga event.
const openChargeSql = `WITH created AS (
    INSERT INTO payments (id, order_id, payer_id, amount, currency, provider, charge_lease_until, updated_at)
    VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6, $7::timestamptz, now())
    ON CONFLICT (order_id) DO NOTHING
    RETURNING ${paymentSql}, true AS created)
  SELECT * FROM created
  UNION ALL
  SELECT ${paymentSql}, false AS created FROM payments
   WHERE order_id = $2::uuid AND NOT EXISTS (SELECT 1 FROM created)`;
const recordAttemptSql = `${insertAttemptSql} RETURNING ${attemptSql}`;
const lastAttemptSql = `SELECT ${attemptSql} FROM payment_attempts WHERE payment_id = $1::uuid ORDER BY created_at DESC, id DESC LIMIT 1`;

/**
 * The charge path on `sql`. A payment change's effects (the events announcing it, the bus event it
 * answers) are written only when that call made the change: the change is what is idempotent, so a
 * caller that finds it already made writes nothing.
 */
export function paymentCharges(sql: SqlRunner): Pick<PaymentStore, ChargePath> {
  return {
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
        openChargeSql,
        randomUUID(),
        charge.orderId,
        charge.payerId,
        charge.amount.amount,
        charge.amount.currency,
        provider,
        claimUntil ?? null,
      );
      if (row) return { payment: toPayment(row), claimed: row.created && claimUntil !== undefined };
      const [existing] = await paymentsWhere(sql, 'order_id = $1::uuid', charge.orderId);
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
      const [row] = await sql.$queryRawUnsafe<AttemptRow[]>(recordAttemptSql, ...attemptParams(paymentId, attempt));
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
      const [current] = await paymentsWhere(sql, 'id = $1::uuid', pending.id);
      if (!current) throw notFound('The payment');
      return { payment: current, settled: false };
    },

    /** The most recent attempt of a payment, if any. */
    async lastAttempt(paymentId: string): Promise<PaymentAttempt | null> {
      const [row] = await sql.$queryRawUnsafe<AttemptRow[]>(lastAttemptSql, paymentId);
      return row ? toAttempt(row) : null;
    },

    /** Whether a bus event was recorded as handled (by a change's effects or {@link recordHandled}). */
    async wasHandled(event: Pick<DomainEvent, 'id'>): Promise<boolean> {
      const rows = await sql.$queryRawUnsafe<unknown[]>('SELECT 1 FROM processed_events WHERE id = $1', event.id);
      return rows.length > 0;
    },

    /** Records a bus event that called for no change as handled; false when it already was. */
    async recordHandled(event: HandledEvent): Promise<boolean> {
      return markProcessed(sql, event);
    },
  };
}
