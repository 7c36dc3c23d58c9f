/**
 * Orders orchestrates the order saga: it reads the answers of inventory and payments from the bus,
 * takes the step `decide` says (see domain/saga.ts) and writes the next commands and an
 * `order.updated` per status move through its outbox — all in one transaction with the
 * processed-event record, so a redelivered answer is applied once.
 *
 * Topics and payloads are listed in README.md (The order saga).
 */
import type { DomainEvent } from '#kit/events';
import type { Logger } from '#kit/logger';
import { outboxEvent, type OutboxEvent } from '#kit/outbox';
import { z } from 'zod';
import type { OrderStore } from '../ports.ts';
import type { Order } from '../domain/order.ts';
import { decide, type SagaCommand, type SagaInput, type SagaStep } from '../domain/saga.ts';

/** Topics orders publishes. */
export const orderTopics = {
  placed: 'order.placed',
  updated: 'order.updated',
  paid: 'order.paid',
  cancelled: 'order.cancelled',
  paymentRequested: 'payment.requested',
  refundRequested: 'refund.requested',
} as const;

/** What `order.updated` carries: enough for a subscriber to show the change without asking. */
export interface OrderUpdated {
  orderId: string;
  buyerId: string;
  status: Order['status'];
  cancelReason: Order['cancelReason'];
  total: Order['total'];
  at: string;
}

const orderId = z.object({ orderId: z.string().uuid() });

/** The answers orders reacts to: topic -> how to read its payload as a saga input. */
const answers: Record<string, (payload: unknown) => { orderId: string; input: SagaInput }> = {
  'inventory.reserved': (payload) => {
    const reserved = orderId
      .extend({
        items: z
          .array(
            z.object({
              productId: z.string().uuid(),
              quantity: z.number().int().positive(),
              unitPriceAmount: z.number().int().nonnegative(),
              currency: z.string(),
            }),
          )
          .min(1),
      })
      .parse(payload);
    return { orderId: reserved.orderId, input: { type: 'reserved', lines: reserved.items } };
  },
  'inventory.reservation_failed': (payload) => ({ ...orderId.parse(payload), input: { type: 'reservation_failed' } }),
  'payment.succeeded': (payload) => ({ ...orderId.parse(payload), input: { type: 'payment_succeeded' } }),
  'payment.failed': (payload) => {
    const failed = orderId.extend({ reason: z.enum(['PAYMENT_DECLINED', 'PAYMENT_ERROR']) }).parse(payload);
    return { orderId: failed.orderId, input: { type: 'payment_failed', reason: failed.reason } };
  },
  'inventory.committed': (payload) => ({ ...orderId.parse(payload), input: { type: 'committed' } }),
  'inventory.commit_failed': (payload) => ({ ...orderId.parse(payload), input: { type: 'commit_failed' } }),
  'reservation.expired': (payload) => ({ ...orderId.parse(payload), input: { type: 'reservation_expired' } }),
};

/** The topics orders subscribes to. */
export const answerTopics = Object.keys(answers);

function commandEvent(order: Order, command: SagaCommand): OutboxEvent {
  switch (command.type) {
    case 'charge':
      return outboxEvent(orderTopics.paymentRequested, {
        orderId: order.id,
        payerId: order.buyerId,
        amount: command.amount.amount,
        currency: command.amount.currency,
        paymentMethod: command.paymentMethod,
      });
    case 'commit':
      return outboxEvent(orderTopics.paid, { orderId: order.id });
    case 'release':
      return outboxEvent(orderTopics.cancelled, { orderId: order.id, reason: command.reason });
    case 'refund':
      return outboxEvent(orderTopics.refundRequested, { orderId: order.id, reason: command.reason });
  }
}

/** `order.updated` for one status move. */
export function updatedEvent(order: Order, move: { status: Order['status']; reason: Order['cancelReason']; at: Date }) {
  const payload: OrderUpdated = {
    orderId: order.id,
    buyerId: order.buyerId,
    status: move.status,
    cancelReason: move.reason,
    total: order.total,
    at: move.at.toISOString(),
  };
  return outboxEvent(orderTopics.updated, payload);
}

/** Everything a step writes to the outbox: its commands, then one `order.updated` per move. */
export const stepEvents = (step: SagaStep): OutboxEvent[] => [
  ...step.commands.map((command) => commandEvent(step.order, command)),
  ...step.moves.map((move) => updatedEvent(step.order, move)),
];

export interface SagaDeps {
  orders: OrderStore;
  logger: Logger;
  now?: () => Date;
}

/**
 * Handles one answer from the bus. A malformed payload or an unknown order throws: the bus retries
 * it with backoff and then dead-letters it for an operator.
 */
export async function onSagaAnswer(deps: SagaDeps, event: DomainEvent): Promise<void> {
  const read = answers[event.topic];
  if (!read) throw new Error(`orders does not handle ${event.topic}`);
  const { orderId: id, input } = read(event.payload);
  const at = deps.now?.() ?? new Date();
  const step = await deps.orders.applyStep(id, (order, items) => decide(order, items, input, at), {
    handled: event,
    announce: stepEvents,
  });
  if (step === null) deps.logger.debug({ eventId: event.id, topic: event.topic }, 'event already handled');
  else if (step.moves.length > 0) deps.logger.info({ orderId: id, status: step.order.status, topic: event.topic }, 'order moved');
}
