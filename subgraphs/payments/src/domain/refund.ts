/** Refunds: money given back on a successful payment, in full or in parts. Pure: no I/O. */
import { badInput, DomainError } from '#kit/errors';
import { nextStatuses, transition, type Money, type Payment, type PaymentStatus } from './payment.ts';

export const refundStatuses = ['PENDING', 'SUCCEEDED'] as const;
/** PENDING: reserved against the payment but not confirmed by the provider; SUCCEEDED: money returned. */
export type RefundStatus = (typeof refundStatuses)[number];

/** One refund of a payment. */
export interface Refund {
  id: string;
  paymentId: string;
  amount: Money;
  status: RefundStatus;
  /** The provider's reference of the refund; null until it succeeds. */
  providerRef: string | null;
  /** The caller's key: the same refund asked for twice is made once. */
  idempotencyKey: string;
  createdAt: Date;
}

/** What a refund may take of a payment, given what its earlier refunds (pending or succeeded) take. */
export type RefundDecision = (payment: Payment, reserved: number) => number;

/** A payment's status once its succeeded refunds sum to `refunded`. */
export type RefundedStatus = (payment: Payment, refunded: number) => PaymentStatus;

/**
 * How much a new refund of `payment` takes: `requested`, or everything left when it is omitted.
 * `reserved` is what its earlier refunds (pending or succeeded) already take. Throws CONFLICT when the
 * payment cannot be refunded (not paid, or nothing left) and BAD_USER_INPUT when `requested` is not a
 * positive whole amount or exceeds what is left.
 */
export function refundAmount(payment: Payment, reserved: number, requested?: number): number {
  if (payment.status === 'REFUNDED') {
    throw new DomainError('CONFLICT', 'This payment is already fully refunded', { paymentId: payment.id });
  }
  if (!nextStatuses(payment.status).includes('REFUNDED')) {
    throw new DomainError('CONFLICT', `A ${payment.status.toLowerCase()} payment cannot be refunded`, {
      paymentId: payment.id,
    });
  }
  if (payment.providerRef === null) {
    throw new DomainError('CONFLICT', 'This payment has no provider charge to refund', { paymentId: payment.id });
  }
  const left = payment.amount.amount - reserved;
  if (left <= 0) {
    throw new DomainError('CONFLICT', 'Everything left on this payment is already being refunded', {
      paymentId: payment.id,
    });
  }
  if (requested === undefined) return left;
  if (!Number.isInteger(requested) || requested <= 0) {
    throw badInput('amount must be a positive whole number of minor units', { field: 'amount' });
  }
  if (requested > left) {
    throw badInput(`At most ${left} (minor units of ${payment.amount.currency}) is left to refund on this payment`, {
      field: 'amount',
    });
  }
  return requested;
}

/**
 * The payment's status once `refunded` (the sum of its succeeded refunds) has been given back:
 * REFUNDED when it covers the charge, PARTIALLY_REFUNDED otherwise. A partial refund of a payment that
 * is already partially refunded keeps it so; every other move goes through the state machine.
 */
export function statusAfterRefunds(payment: Payment, refunded: number): PaymentStatus {
  const target: PaymentStatus = refunded >= payment.amount.amount ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
  if (target === 'PARTIALLY_REFUNDED' && payment.status === target) return target;
  return transition(payment.status, target);
}
