/** Use case: give back all or part of a successful payment, once per idempotency key. */
import { badInput, DomainError, notFound } from '#kit/errors';
import type { ChangeEffects } from '#kit/outbox';
import { systemClock } from '../ports.ts';
import type { Payment } from '../domain/payment.ts';
import { refundAmount, statusAfterRefunds, type Refund } from '../domain/refund.ts';
import { callWithPolicy, checkPolicy, defaultProviderPolicy, type ProviderDeps, type ProviderPolicy } from './provider-policy.ts';

export interface RefundPayment {
  paymentId: string;
  /** Minor units of the payment's currency; omitted: everything left to refund. */
  amount?: number;
  /** The caller's key: asking again with it returns the same refund and never refunds twice. */
  idempotencyKey: string;
}

/** The payment after the refund, and the refund: SUCCEEDED, or PENDING when the provider could not be reached. */
export interface RefundOutcome {
  payment: Payment;
  refund: Refund;
}

/** The provider's idempotency key for one of our refunds. */
export const refundKey = (refundId: string) => `refund:${refundId}`;

/**
 * Refunds a SUCCEEDED or PARTIALLY_REFUNDED payment, fully or in part; the payment becomes
 * PARTIALLY_REFUNDED or REFUNDED through the domain rules. The amount is reserved under a lock on the
 * payment before the provider is called, so concurrent refunds never give back more than was charged.
 * Timeouts and processing errors are retried with backoff; when every attempt fails the refund stays
 * PENDING (still reserved) and asking again with the same key finishes it. `effects` are written in
 * the transaction that marks the refund SUCCEEDED, and only by the call that does.
 * Throws NOT_FOUND for an unknown payment, CONFLICT for a payment that cannot be refunded (or a key
 * already used for another refund) and BAD_USER_INPUT for an amount above what is left.
 */
export async function refundPayment(
  deps: ProviderDeps,
  input: RefundPayment,
  policy: ProviderPolicy = defaultProviderPolicy,
  effects?: ChangeEffects<RefundOutcome>,
): Promise<RefundOutcome> {
  const key = input.idempotencyKey.trim();
  if (key.length === 0 || key.length > 200) {
    throw badInput('idempotencyKey must be between 1 and 200 characters', { field: 'idempotencyKey' });
  }
  checkPolicy(policy);
  const clock = deps.clock ?? systemClock;
  const reserved = await deps.payments.reserveRefund(input.paymentId, key, (payment, taken) =>
    refundAmount(payment, taken, input.amount),
  );
  if (!reserved) throw notFound('The payment');
  const { payment, refund } = reserved;
  const sameRequest =
    refund.paymentId === input.paymentId && (input.amount === undefined || input.amount === refund.amount.amount);
  if (!sameRequest) {
    throw new DomainError('CONFLICT', 'This idempotency key was already used for another refund; use a new key', {
      field: 'idempotencyKey',
    });
  }
  if (refund.status === 'SUCCEEDED') return { payment, refund };
  if (payment.providerRef === null) {
    throw new DomainError('CONFLICT', 'This payment has no provider charge to refund', { paymentId: payment.id });
  }

  const request = {
    idempotencyKey: refundKey(refund.id),
    providerRef: payment.providerRef,
    amount: refund.amount.amount,
    currency: refund.amount.currency,
  };
  return callWithPolicy(clock, policy, {
    async call() {
      const made = await deps.provider.refund(request, { timeoutMs: policy.timeoutMs });
      return deps.payments.completeRefund(refund.id, made.providerRef, statusAfterRefunds, effects);
    },
    exhausted: () => ({ payment, refund }),
  });
}
