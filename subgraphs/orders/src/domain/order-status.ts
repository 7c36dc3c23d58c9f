/**
 * The order state machine: `PENDING -> RESERVED -> PAID -> CONFIRMED`, or `CANCELLED` (with a
 * reason) from any state before `CONFIRMED`. Pure: no I/O.
 */
import { assertNever, badInput, DomainError } from '#kit/errors';

export const orderStatuses = ['PENDING', 'RESERVED', 'PAID', 'CONFIRMED', 'CANCELLED'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const cancelReasons = [
  'OUT_OF_STOCK',
  'PAYMENT_DECLINED',
  'PAYMENT_ERROR',
  'RESERVATION_EXPIRED',
  'CANCELLED_BY_CUSTOMER',
  'ZERO_TOTAL',
  'MIXED_CURRENCIES',
  'TOTAL_TOO_LARGE',
  'TIMED_OUT',
] as const;
export type CancelReason = (typeof cancelReasons)[number];

/** The statuses an order in `status` may move to next. */
export function nextStatuses(status: OrderStatus): readonly OrderStatus[] {
  switch (status) {
    case 'PENDING':
      return ['RESERVED', 'CANCELLED'];
    case 'RESERVED':
      return ['PAID', 'CANCELLED'];
    case 'PAID':
      return ['CONFIRMED', 'CANCELLED'];
    case 'CONFIRMED':
    case 'CANCELLED':
      return [];
    default:
      return assertNever(status);
  }
}

/** True once the order can no longer change. */
export const isFinal = (status: OrderStatus): boolean => nextStatuses(status).length === 0;

/**
 * True when an order in `from` can come to `to` later, in one move or several: how a watcher tells
 * a status that moves an order on from one it already passed (or is in).
 */
export function canBecome(from: OrderStatus, to: OrderStatus): boolean {
  return nextStatuses(from).some((next) => next === to || canBecome(next, to));
}

/**
 * The status and cancel reason after moving from `from` to `to`. Cancelling needs a reason and
 * nothing else takes one (BAD_USER_INPUT); a move the machine does not allow — including staying
 * put — is a CONFLICT, so a late saga step against an order that moved on fails loudly.
 */
export function transition(
  from: OrderStatus,
  to: OrderStatus,
  reason: CancelReason | null = null,
): { status: OrderStatus; cancelReason: CancelReason | null } {
  if (to === 'CANCELLED' && reason === null) throw badInput('Cancelling an order needs a reason', { field: 'reason' });
  if (to !== 'CANCELLED' && reason !== null) throw badInput('Only a cancellation takes a reason', { field: 'reason' });
  if (!nextStatuses(from).includes(to)) {
    throw new DomainError('CONFLICT', `An order that is ${from} cannot become ${to}`, { from, to });
  }
  return { status: to, cancelReason: reason };
}
