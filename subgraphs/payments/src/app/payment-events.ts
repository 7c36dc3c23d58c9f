/**
 * Payments' part in the order saga: it charges an order when orders asks for payment, and gives the
 * money back when orders asks for a refund. Each answer goes out through the outbox in the same
 * transaction as the payment change it announces, together with the processed mark of the event it
 * answers. The payment is what makes a step idempotent: a redelivered event finds the payment settled
 * (or the refund made) and neither calls the provider nor writes anything again.
 */
import { z } from 'zod';
import type { DomainEvent } from '#kit/events';
import { TransientFailure } from '#kit/failures';
import type { Logger } from '#kit/logger';
import { outboxEvent, type OutboxEvent } from '#kit/outbox';
import type { Clock, PaymentProvider, PaymentStore } from '../ports.ts';
import { chargeOrder, type ChargeOutcome } from './charge-order.ts';
import { defaultProviderPolicy, type ProviderPolicy } from './provider-policy.ts';
import { refundPayment, type RefundOutcome } from './refund-payment.ts';

/** Topics payments listens to and publishes. */
export const paymentTopics = {
  requested: 'payment.requested',
  refundRequested: 'refund.requested',
  succeeded: 'payment.succeeded',
  failed: 'payment.failed',
  refunded: 'payment.refunded',
} as const;

/** Why a payment failed, as the saga names it. */
export type PaymentFailure = 'PAYMENT_DECLINED' | 'PAYMENT_ERROR';

/** What payments reads of the orders subgraph's events (unknown fields are ignored). */
const PaymentRequested = z.object({
  orderId: z.string().uuid(),
  payerId: z.string().uuid(),
  amount: z.number().int().positive(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  paymentMethod: z.string().trim().min(1),
});
const RefundRequested = z.object({ orderId: z.string().uuid(), reason: z.string().optional() });

export interface PaymentEventDeps {
  payments: PaymentStore;
  provider: PaymentProvider;
  logger: Logger;
  /** How the provider is called; defaults to {@link defaultProviderPolicy}. */
  policy?: ProviderPolicy;
  /** Defaults to the system clock. */
  clock?: Clock;
}

/**
 * The event could not be handled yet but will be later (a charge still in flight, a provider that did
 * not answer): a transient failure, so the bus delivers it again, without limit, until it is handled.
 */
export class NotYetHandled extends TransientFailure {
  override readonly name = 'NotYetHandled';
}

/** The key of the refund a cancelled order gets: one refund per order, however often it is asked for. */
export const orderRefundKey = (orderId: string) => `order-cancelled:${orderId}`;

/** The saga's answer to a settled charge: payment.succeeded, or payment.failed with why. */
export function chargeAnswer({ payment, result, reason }: ChargeOutcome): OutboxEvent {
  if (result === 'SUCCEEDED') {
    return outboxEvent(paymentTopics.succeeded, {
      orderId: payment.orderId,
      paymentId: payment.id,
      amount: payment.amount.amount,
      currency: payment.amount.currency,
    });
  }
  const failure: PaymentFailure = result === 'DECLINED' ? 'PAYMENT_DECLINED' : 'PAYMENT_ERROR';
  return outboxEvent(paymentTopics.failed, {
    orderId: payment.orderId,
    paymentId: payment.id,
    reason: failure,
    message: reason ?? payment.failureReason ?? failure,
  });
}

/**
 * `payment.requested` -> charge the order, answering payment.succeeded or payment.failed
 * (PAYMENT_DECLINED for the bank's refusal, PAYMENT_ERROR when the provider could not be reached after
 * every attempt). A payload that is not a charge request throws, so the bus retries and then
 * dead-letters it; so does a request for an order already charged for another payer or amount.
 */
export async function onPaymentRequested(deps: PaymentEventDeps, requested: DomainEvent): Promise<void> {
  const input = PaymentRequested.parse(requested.payload);
  const outcome = await chargeOrder(
    { payments: deps.payments, provider: deps.provider, clock: deps.clock },
    input,
    deps.policy ?? defaultProviderPolicy,
    { handled: requested, announce: (settled) => [chargeAnswer(settled)] },
  );
  deps.logger.info(
    { orderId: input.orderId, paymentId: outcome.payment.id, result: outcome.result },
    'payment.requested handled',
  );
}

/**
 * `refund.requested` -> give back everything left of the order's payment, answering payment.refunded
 * with the amount this refund returned. An order with no payment, a FAILED or an already REFUNDED one
 * has nothing to refund: the event is only recorded as handled. A payment still PENDING (its charge in
 * flight) and a refund the provider did not confirm throw {@link NotYetHandled}, for the bus to retry.
 */
export async function onRefundRequested(deps: PaymentEventDeps, requested: DomainEvent): Promise<void> {
  const { orderId } = RefundRequested.parse(requested.payload);
  if (await deps.payments.wasHandled(requested)) return;
  const [payment] = await deps.payments.byOrderIds([orderId]);
  const status = payment?.status;
  if (status === 'PENDING') throw new NotYetHandled(`The payment of order ${orderId} is still being charged`);
  if (!payment || status === 'FAILED' || status === 'REFUNDED') {
    await deps.payments.recordHandled(requested);
    deps.logger.info({ orderId, status: status ?? null }, 'refund.requested: nothing to refund');
    return;
  }
  const outcome = await refundPayment(
    { payments: deps.payments, provider: deps.provider, clock: deps.clock },
    { paymentId: payment.id, idempotencyKey: orderRefundKey(orderId) },
    deps.policy ?? defaultProviderPolicy,
    { handled: requested, announce: (made) => [refundAnswer(made)] },
  );
  if (outcome.refund.status !== 'SUCCEEDED') {
    throw new NotYetHandled(`The provider did not confirm the refund of order ${orderId}; it stays reserved`);
  }
  deps.logger.info({ orderId, paymentId: payment.id, status: outcome.payment.status }, 'refund.requested handled');
}

function refundAnswer({ payment, refund }: RefundOutcome): OutboxEvent {
  return outboxEvent(paymentTopics.refunded, {
    orderId: payment.orderId,
    paymentId: payment.id,
    amount: refund.amount.amount,
    currency: refund.amount.currency,
  });
}
