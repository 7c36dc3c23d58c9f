/**
 * The watchdog: an order the saga left in one unfinished status (PENDING, RESERVED, PAID) past its
 * deadline is waiting for an answer that is not coming — lost, or dead-lettered for an operator. It
 * is cancelled with reason TIMED_OUT the safe way (its stock released, what was or may be charged
 * refunded; see `decide`), so no buyer waits forever and no money is kept for an unfinished order.
 * The deadline is past the reservation hold (15 minutes by default), so the normal expiry acts
 * first.
 */
import type { Logger } from '#kit/logger';
import type { OrderStore } from '../ports.ts';
import type { OrderStatus } from '../domain/order.ts';
import { decide } from '../domain/saga.ts';
import { stepEvents } from './order-saga.ts';

export const defaultStuckAfterMs = 30 * 60_000;

export interface WatchdogOptions {
  /** How long an order may sit in one unfinished status. Default 30 minutes. */
  stuckAfterMs?: number;
  /** How often to look. Default 60 s. */
  intervalMs?: number;
  /** Orders handled per look. Default 100. */
  batchSize?: number;
}

/** Cancels every order unchanged since `now - stuckAfterMs` (TIMED_OUT); resolves to their ids. */
export async function cancelStuckOrders(
  deps: { orders: OrderStore; logger: Logger; now?: () => Date },
  options: WatchdogOptions = {},
): Promise<string[]> {
  const now = deps.now?.() ?? new Date();
  const before = new Date(now.getTime() - (options.stuckAfterMs ?? defaultStuckAfterMs));
  const cancelled: string[] = [];
  for (const id of await deps.orders.unfinishedSince(before, options.batchSize ?? 100)) {
    // Under the order's lock, and only if it has not moved since the look: a late answer wins.
    let from: OrderStatus | undefined;
    const step = await deps.orders.applyStep(
      id,
      (order, items) => {
        from = order.status;
        return decide(order, items, { type: 'deadline_passed' }, now);
      },
      { announce: stepEvents },
      { unchangedSince: before },
    );
    if (step && step.moves.length > 0) {
      cancelled.push(id);
      deps.logger.warn(
        { orderId: id, from, commands: step.commands.map((c) => c.type) },
        'order stuck in the saga: cancelled (TIMED_OUT)',
      );
    }
  }
  return cancelled;
}

/** Runs {@link cancelStuckOrders} every `intervalMs` (one look at a time). */
export function startOrderWatchdog(
  deps: { orders: OrderStore; logger: Logger; now?: () => Date },
  options: WatchdogOptions = {},
) {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    cancelStuckOrders(deps, options)
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'order watchdog pass failed; will retry'))
      .finally(() => (running = false));
  }, options.intervalMs ?? 60_000);
  return { stop: () => clearInterval(timer) };
}
