/**
 * The order saga's decisions: given an order and what just happened to it, which status moves to
 * make and which commands to send. Pure: the store applies a step in one transaction (status,
 * history, outbox), so a step is all or nothing.
 *
 *   placed ──reserve──> inventory ──reserved──> RESERVED ──charge──> payments ──succeeded──> PAID
 *   PAID ──commit──> inventory ──committed──> CONFIRMED
 *
 * and every failure on the way ends in CANCELLED with its reason, releasing what inventory holds and
 * refunding what payments took. Answers that arrive late (after the order moved on) are absorbed:
 * a reservation made for a cancelled order is released, a charge that succeeds for a cancelled
 * order is refunded, and anything else late changes nothing. Once a charge was asked for (RESERVED
 * on), every cancellation also asks for a refund: the charge's answer may be late or lost, and a
 * refund of nothing is nothing. An order the saga left in one status past its deadline (a lost
 * answer) is cancelled by the watchdog (TIMED_OUT) the same way.
 */
import { DomainError, assertNever } from '#kit/errors';
import { InvalidMessage } from '#kit/failures';
import {
  changeStatus,
  priceItems,
  unpayableReason,
  type CancelReason,
  type Money,
  type Order,
  type OrderItem,
  type OrderStatus,
  type PricedLine,
} from './order.ts';

/** What happened to an order: an answer from another service, the clock, or its buyer. */
export type SagaInput =
  | { type: 'reserved'; lines: PricedLine[] }
  | { type: 'reservation_failed' }
  | { type: 'payment_succeeded' }
  | { type: 'payment_failed'; reason: 'PAYMENT_DECLINED' | 'PAYMENT_ERROR' }
  | { type: 'committed' }
  | { type: 'commit_failed' }
  | { type: 'reservation_expired' }
  | { type: 'cancel_requested' }
  | { type: 'deadline_passed' };

/** What orders asks another service to do (each becomes an outbox event: `commandEvent` in app/order-saga.ts). */
export type SagaCommand =
  | { type: 'charge'; amount: Money; paymentMethod: string }
  | { type: 'commit' }
  | { type: 'release'; reason: CancelReason }
  | { type: 'refund'; reason: CancelReason };

export interface SagaStep {
  /** The order after the step (unchanged when nothing moved). */
  order: Order;
  /** Status moves, in order; each is recorded in the history and published as `order.updated`. */
  moves: { status: OrderStatus; reason: CancelReason | null; at: Date }[];
  /** Set when the step priced the items. */
  pricedItems?: OrderItem[];
  commands: SagaCommand[];
}

const nothing = (order: Order): SagaStep => ({ order, moves: [], commands: [] });

function move(order: Order, to: OrderStatus, reason: CancelReason | null, at: Date, commands: SagaCommand[]): SagaStep {
  const changed = changeStatus(order, to, reason, at);
  return { order: changed.order, moves: [changed.change], commands };
}

const cancel = (order: Order, reason: CancelReason, at: Date, commands: SagaCommand[]) =>
  move(order, 'CANCELLED', reason, at, commands);

/**
 * What undoing an order in `status` takes: its held stock goes back, and from RESERVED on (a charge
 * was asked for) what payments took — or may yet take — is refunded.
 */
function undo(status: OrderStatus, reason: CancelReason): SagaCommand[] {
  const commands: SagaCommand[] = [{ type: 'release', reason }];
  if (status === 'RESERVED' || status === 'PAID') commands.push({ type: 'refund', reason });
  return commands;
}

/** The step the saga takes for `input` on `order` (whose lines are `items`) at `at`. */
export function decide(order: Order, items: readonly OrderItem[], input: SagaInput, at: Date): SagaStep {
  const { status } = order;
  switch (input.type) {
    case 'reserved': {
      if (status === 'CANCELLED') return { ...nothing(order), commands: [{ type: 'release', reason: order.cancelReason! }] };
      if (status !== 'PENDING') return nothing(order);
      // Priced so that it cannot be paid: the buyer hears why at once, and the stock goes back.
      const unpayable = unpayableReason(input.lines);
      if (unpayable) return cancel(order, unpayable, at, [{ type: 'release', reason: unpayable }]);
      const priced = priceItems(items, input.lines);
      const step = move({ ...order, total: priced.total }, 'RESERVED', null, at, []);
      if (order.paymentMethod === null) throw new InvalidMessage(`order ${order.id} has no payment method`);
      return {
        ...step,
        pricedItems: priced.items,
        commands: [{ type: 'charge', amount: priced.total, paymentMethod: order.paymentMethod }],
      };
    }
    case 'reservation_failed':
      return status === 'PENDING' ? cancel(order, 'OUT_OF_STOCK', at, []) : nothing(order);
    case 'payment_succeeded':
      if (status === 'RESERVED') return move(order, 'PAID', null, at, [{ type: 'commit' }]);
      // Cancelled while the charge was in flight: the money goes back.
      if (status === 'CANCELLED') return { ...nothing(order), commands: [{ type: 'refund', reason: order.cancelReason! }] };
      return nothing(order);
    case 'payment_failed':
      return status === 'RESERVED'
        ? cancel(order, input.reason, at, [{ type: 'release', reason: input.reason }])
        : nothing(order);
    case 'committed':
      return status === 'PAID' ? move(order, 'CONFIRMED', null, at, []) : nothing(order);
    case 'commit_failed':
      // Paid, but the stock was no longer held (the reservation expired first): refund.
      return status === 'PAID'
        ? cancel(order, 'RESERVATION_EXPIRED', at, [{ type: 'refund', reason: 'RESERVATION_EXPIRED' }])
        : nothing(order);
    case 'reservation_expired':
      // The stock is gone already. A RESERVED order's charge may have succeeded with its answer late
      // or lost: refund. A PAID order's commit fails on the expired reservation and cancels it then.
      if (status === 'PENDING') return cancel(order, 'RESERVATION_EXPIRED', at, []);
      if (status === 'RESERVED')
        return cancel(order, 'RESERVATION_EXPIRED', at, [{ type: 'refund', reason: 'RESERVATION_EXPIRED' }]);
      return nothing(order);
    case 'cancel_requested': {
      if (status === 'CONFIRMED' || status === 'CANCELLED') {
        throw new DomainError('CONFLICT', `The order is ${status.toLowerCase()} and can no longer be cancelled`, { status });
      }
      return cancel(order, 'CANCELLED_BY_CUSTOMER', at, undo(status, 'CANCELLED_BY_CUSTOMER'));
    }
    case 'deadline_passed':
      // An answer never came (lost, or dead-lettered): end the order safely rather than leave it hanging.
      return status === 'PENDING' || status === 'RESERVED' || status === 'PAID'
        ? cancel(order, 'TIMED_OUT', at, undo(status, 'TIMED_OUT'))
        : nothing(order);
    default:
      return assertNever(input);
  }
}
