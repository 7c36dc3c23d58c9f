/** Payments: the charge for one order and the provider attempts behind it. Pure: no I/O. */
import { assertNever, badInput, DomainError } from '#kit/errors';
import { isUuid } from '#kit/ids';

export const paymentStatuses = ['PENDING', 'SUCCEEDED', 'FAILED', 'REFUNDED', 'PARTIALLY_REFUNDED'] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

/** An amount in integer minor units (1999 with `EUR` is €19.99) of an ISO 4217 currency. */
export interface Money {
  amount: number;
  currency: string;
}

/** The charge for one order (the GraphQL `Payment` mapper). */
export interface Payment {
  id: string;
  orderId: string;
  /** The buyer of the order: the only customer who may see this payment. */
  payerId: string;
  amount: Money;
  status: PaymentStatus;
  /** The payment provider that handled it, e.g. `simulated`. */
  provider: string;
  /** The provider's reference of the successful charge (what a refund names); null until it succeeds. */
  providerRef: string | null;
  /** Why the payment ended FAILED, in words a person can act on; null otherwise. */
  failureReason: string | null;
  createdAt: Date;
}

/** What one call to the provider came to: a decline is final, an error may be retried. */
export const attemptOutcomes = ['SUCCEEDED', 'DECLINED', 'ERROR'] as const;
export type AttemptOutcome = (typeof attemptOutcomes)[number];

/** One try at charging through the provider (the GraphQL `PaymentAttempt` mapper). */
export interface PaymentAttempt {
  id: string;
  paymentId: string;
  succeeded: boolean;
  outcome: AttemptOutcome;
  /** Why the provider refused, in words a person can act on; null when it succeeded. */
  failureReason: string | null;
  /** The provider's own reference, for support and reconciliation. */
  providerRef: string | null;
  at: Date;
}

/** A reference to an order owned by the orders subgraph, which this subgraph adds `payment` to. */
export interface OrderRef {
  id: string;
}

/** A charge to make for an order, as the order saga asks for it. */
export interface Charge {
  orderId: string;
  payerId: string;
  amount: Money;
  /** The card token or saved payment method the provider charges, e.g. `tok_visa`. */
  paymentMethod: string;
}

/** How a charge ended for the caller: paid, refused by the card's bank, or the provider could not be reached. */
export type ChargeResult = 'SUCCEEDED' | 'DECLINED' | 'ERROR';

/** One call to the provider, as the store records it. */
export interface AttemptRecord {
  outcome: AttemptOutcome;
  providerRef?: string | null;
  failureReason?: string | null;
}

/** How a PENDING payment ends. */
export interface Settlement {
  status: PaymentStatus;
  providerRef?: string | null;
  failureReason?: string | null;
}

// Amounts are stored in a Postgres INTEGER and served as a GraphQL Int: both are 32-bit signed.
const maxAmount = 2_147_483_647;

/** The statuses a payment in `status` may move to next; none once it is failed or fully refunded. */
export function nextStatuses(status: PaymentStatus): readonly PaymentStatus[] {
  switch (status) {
    case 'PENDING':
      return ['SUCCEEDED', 'FAILED'];
    case 'SUCCEEDED':
      return ['REFUNDED', 'PARTIALLY_REFUNDED'];
    case 'PARTIALLY_REFUNDED':
      return ['REFUNDED'];
    case 'FAILED':
    case 'REFUNDED':
      return [];
    default:
      return assertNever(status);
  }
}

/** The status after moving `from` to `to`; throws CONFLICT when the payment cannot make that move. */
export function transition(from: PaymentStatus, to: PaymentStatus): PaymentStatus {
  if (!nextStatuses(from).includes(to)) {
    throw new DomainError('CONFLICT', `A ${from.toLowerCase()} payment cannot become ${to.toLowerCase()}`, { from, to });
  }
  return to;
}

/** An amount that can be charged: a positive whole number of minor units in an ISO 4217 currency. */
export function chargeAmount(amount: number, currency: string): Money {
  if (!Number.isInteger(amount) || amount <= 0 || amount > maxAmount) {
    throw badInput('amount must be a whole number of minor units between 1 and 2147483647', { field: 'amount' });
  }
  if (!/^[A-Z]{3}$/.test(currency)) {
    throw badInput('currency must be a three-letter ISO 4217 code such as EUR', { field: 'currency' });
  }
  return { amount, currency };
}

/** A valid charge request: UUID ids, a chargeable amount and a payment method token. */
export function newCharge(input: {
  orderId: string;
  payerId: string;
  amount: number;
  currency: string;
  paymentMethod: string;
}): Charge {
  for (const field of ['orderId', 'payerId'] as const) {
    if (!isUuid(input[field])) throw badInput(`${field} must be a UUID`, { field });
  }
  const paymentMethod = input.paymentMethod.trim();
  if (paymentMethod.length === 0 || paymentMethod.length > 200) {
    throw badInput('paymentMethod must be a payment method token such as tok_visa', { field: 'paymentMethod' });
  }
  return { orderId: input.orderId, payerId: input.payerId, amount: chargeAmount(input.amount, input.currency), paymentMethod };
}

/**
 * Throws CONFLICT when an order's existing payment is for another payer or amount than `charge`:
 * the order was charged once already, and silently charging a different sum would be worse than failing.
 */
export function assertSameCharge(payment: Payment, charge: Charge): void {
  const same =
    payment.payerId === charge.payerId &&
    payment.amount.amount === charge.amount.amount &&
    payment.amount.currency === charge.amount.currency;
  if (!same) {
    throw new DomainError('CONFLICT', 'This order already has a payment for another payer or amount', {
      paymentId: payment.id,
    });
  }
}

/** The reason a payment ends FAILED when every attempt met an unreachable or failing provider. */
export function paymentErrorReason(attempts: number, lastError: string): string {
  return `PAYMENT_ERROR: the payment provider could not complete the charge after ${attempts} attempt${attempts === 1 ? '' : 's'} (${lastError})`;
}

/**
 * The result of a payment that is no longer PENDING, for a caller asking again: a failed one says
 * whether its last attempt was a decline or an error. Null while it is still PENDING.
 */
export function settledResult(payment: Payment, lastOutcome: AttemptOutcome | undefined): ChargeResult | null {
  switch (payment.status) {
    case 'PENDING':
      return null;
    case 'SUCCEEDED':
    case 'PARTIALLY_REFUNDED':
    case 'REFUNDED':
      return 'SUCCEEDED';
    case 'FAILED':
      return lastOutcome === 'DECLINED' ? 'DECLINED' : 'ERROR';
    default:
      return assertNever(payment.status);
  }
}
