/** Use case: charge an order through the payment provider, once, whoever asks and however often. */
import { notFound } from '#kit/errors';
import type { ChangeEffects } from '#kit/outbox';
import {
  assertSameCharge,
  newCharge,
  paymentErrorReason,
  settledResult,
  transition,
  type AttemptOutcome,
  type AttemptRecord,
  type Charge,
  type ChargeResult,
  type Payment,
  type Settlement,
} from '../domain/payment.ts';
import { systemClock, type Clock, type PaymentStore } from '../ports.ts';
import {
  callWithPolicy,
  checkPolicy,
  defaultProviderPolicy,
  worstCaseMs,
  type ProviderDeps,
  type ProviderPolicy,
} from './provider-policy.ts';

export interface ChargeOrder {
  orderId: string;
  /** The order's buyer. */
  payerId: string;
  /** Minor units of `currency`. */
  amount: number;
  currency: string;
  /** The card token or saved payment method, e.g. `tok_visa`. */
  paymentMethod: string;
}

/** The order's payment and how its charge ended; `reason` says why when it did not succeed. */
export interface ChargeOutcome {
  payment: Payment;
  result: ChargeResult;
  reason?: string;
}

/** The provider's idempotency key for an order's charge: every call for the order, from any replica, uses it. */
export const chargeKey = (orderId: string) => `charge:${orderId}`;

// A claim covers every call and wait of the policy plus this much for the database writes around them.
const claimMarginMs = 5_000;
// How often a caller waiting for another caller's charge looks at the payment again.
const waitPollMs = 25;

/**
 * Charges an order. Idempotent per order: a payment that already SUCCEEDED or FAILED is returned as
 * it is, without calling the provider. Otherwise the order's PENDING payment is claimed by one caller
 * at a time (concurrent callers wait for its result; a caller that died is replaced when its claim
 * passes), which calls the provider under the order's idempotency key and records every attempt.
 * Timeouts and processing errors are retried with exponential backoff up to `policy.attempts`, then
 * the payment FAILS with a PAYMENT_ERROR reason; a decline FAILS it at once.
 * `effects` (the order saga's answer) are written in the transaction that settles the payment, and
 * only by the call that settles it: a call that finds the payment settled writes nothing.
 * Throws BAD_USER_INPUT for an invalid request and CONFLICT when the order was charged for another
 * payer or amount.
 */
export async function chargeOrder(
  deps: ProviderDeps,
  input: ChargeOrder,
  policy: ProviderPolicy = defaultProviderPolicy,
  effects?: ChangeEffects<ChargeOutcome>,
): Promise<ChargeOutcome> {
  const charge = newCharge(input);
  checkPolicy(policy);
  const clock = deps.clock ?? systemClock;
  const claimUntil = (now: Date) => new Date(now.getTime() + worstCaseMs(policy) + claimMarginMs);
  // The caller that creates the payment holds its claim from the start: the common case is one statement.
  let { payment, claimed } = await deps.payments.openCharge(charge, deps.provider.name, claimUntil(clock.now()));
  assertSameCharge(payment, charge);
  for (;;) {
    if (payment.status !== 'PENDING') return outcomeOf(deps.payments, payment);
    if (!claimed) {
      const now = clock.now();
      claimed = await deps.payments.claimCharge(payment.id, now, claimUntil(now));
    }
    if (claimed) {
      try {
        return await callProvider(deps, clock, payment, charge, policy, effects);
      } catch (error) {
        // Not a provider answer (a bug, the database): let the next caller try without waiting for the claim.
        await deps.payments.releaseCharge(payment.id).catch(() => undefined);
        throw error;
      }
    }
    await clock.sleep(waitPollMs);
    const [latest] = await deps.payments.byIds([payment.id]);
    if (!latest) throw notFound('The payment');
    payment = latest;
  }
}

async function callProvider(
  deps: ProviderDeps,
  clock: Clock,
  payment: Payment,
  charge: Charge,
  policy: ProviderPolicy,
  effects: ChangeEffects<ChargeOutcome> | undefined,
): Promise<ChargeOutcome> {
  const settle = (attempt: AttemptRecord, settlement: Settlement) =>
    settleWith(deps.payments, payment, attempt, settlement, effects);
  const request = {
    idempotencyKey: chargeKey(charge.orderId),
    amount: charge.amount.amount,
    currency: charge.amount.currency,
    paymentMethod: charge.paymentMethod,
  };
  return callWithPolicy(clock, policy, {
    async call() {
      const decision = await deps.provider.charge(request, { timeoutMs: policy.timeoutMs });
      if (decision.outcome === 'succeeded') {
        return settle(
          { outcome: 'SUCCEEDED', providerRef: decision.providerRef },
          { status: transition(payment.status, 'SUCCEEDED'), providerRef: decision.providerRef },
        );
      }
      // A decline is the bank's answer: asking again would only be declined again.
      return settle(
        { outcome: 'DECLINED', failureReason: decision.reason },
        { status: transition(payment.status, 'FAILED'), failureReason: decision.reason },
      );
    },
    retry: (error) => deps.payments.recordAttempt(payment.id, { outcome: 'ERROR', failureReason: error.message }),
    exhausted: (error, attempt) =>
      settle(
        { outcome: 'ERROR', failureReason: error.message },
        { status: transition(payment.status, 'FAILED'), failureReason: paymentErrorReason(attempt, error.message) },
      ),
  });
}

/**
 * Records the last attempt and ends the payment, with `effects` when this call ends it; when another
 * caller ended it first, theirs is the result.
 */
async function settleWith(
  payments: PaymentStore,
  pending: Payment,
  attempt: AttemptRecord,
  settlement: Settlement,
  effects: ChangeEffects<ChargeOutcome> | undefined,
): Promise<ChargeOutcome> {
  const announce = effects?.announce;
  const { payment, settled } = await payments.settleCharge(pending, attempt, settlement, {
    handled: effects?.handled,
    announce: typeof announce === 'function' ? (ended) => announce(settledOutcome(ended, attempt.outcome)) : announce,
  });
  return outcomeOf(payments, payment, settled ? attempt : undefined);
}

/** The outcome of a settled payment; `last` saves reading the last attempt when the caller just made it. */
async function outcomeOf(payments: PaymentStore, payment: Payment, last?: AttemptRecord): Promise<ChargeOutcome> {
  const lastOutcome =
    payment.status === 'FAILED' ? (last?.outcome ?? (await payments.lastAttempt(payment.id))?.outcome) : undefined;
  return settledOutcome(payment, lastOutcome);
}

function settledOutcome(payment: Payment, lastOutcome: AttemptOutcome | undefined): ChargeOutcome {
  const result = settledResult(payment, lastOutcome);
  if (result === null) throw new Error(`payment ${payment.id} is still PENDING`);
  return { payment, result, ...(payment.failureReason !== null ? { reason: payment.failureReason } : {}) };
}
