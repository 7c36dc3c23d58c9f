/** Payments: the charge for one order and the provider attempts behind it. Pure: no I/O. */
import { assertNever, badInput, DomainError } from '#kit';

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
  createdAt: Date;
}

/** One try at charging through the provider (the GraphQL `PaymentAttempt` mapper). */
export interface PaymentAttempt {
  id: string;
  paymentId: string;
  succeeded: boolean;
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
