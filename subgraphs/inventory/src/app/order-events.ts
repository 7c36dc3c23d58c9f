/**
 * Inventory's part in the order saga: it reserves stock when an order is placed, commits the
 * reservation when the order is paid, releases it when the order is cancelled, and expires
 * reservations nobody settled. Each answer goes out through the outbox in the same transaction as
 * the stock change and the processed-event record, so a redelivered event changes nothing; the
 * reservation (one per order) also makes a second event for the same step harmless.
 */
import { z } from 'zod';
import type { DomainEvent } from '#kit/events';
import type { Logger } from '#kit/logger';
import { outboxEvent as event } from '#kit/outbox';
import type { ReserveOutcome } from '../domain/reservation.ts';
import type { ReservationStore } from '../ports.ts';

/** How long stock stays held for an unpaid order, unless configured otherwise. */
export const defaultReservationTtlMs = 15 * 60_000;

/** What inventory reads of the orders subgraph's events (it ignores the rest). */
const OrderPlaced = z.object({
  orderId: z.string().uuid(),
  items: z.array(z.object({ productId: z.string().uuid(), quantity: z.number().int().positive() })).min(1),
});
const OrderSettled = z.object({ orderId: z.string().uuid() });

/** Topics inventory publishes. */
export const inventoryTopics = {
  reserved: 'inventory.reserved',
  reservationFailed: 'inventory.reservation_failed',
  committed: 'inventory.committed',
  commitFailed: 'inventory.commit_failed',
  released: 'inventory.released',
  expired: 'reservation.expired',
} as const;

export interface OrderEventDeps {
  reservations: ReservationStore;
  logger: Logger;
  now?: () => Date;
  /** Default {@link defaultReservationTtlMs}. */
  reservationTtlMs?: number;
}

/** `order.placed` -> hold the stock (all or nothing) and answer with prices, or OUT_OF_STOCK. */
export async function onOrderPlaced(deps: OrderEventDeps, placed: DomainEvent): Promise<void> {
  const { orderId, items } = OrderPlaced.parse(placed.payload);
  const expiresAt = new Date((deps.now?.() ?? new Date()).getTime() + (deps.reservationTtlMs ?? defaultReservationTtlMs));
  const outcome = await deps.reservations.reserve(orderId, items, expiresAt, {
    handled: placed,
    announce: (result: ReserveOutcome) => [
      result.status === 'OUT_OF_STOCK'
        ? event(inventoryTopics.reservationFailed, { orderId, reason: 'OUT_OF_STOCK', productId: result.productId })
        : event(inventoryTopics.reserved, { orderId, items: result.items, expiresAt: expiresAt.toISOString() }),
    ],
  });
  deps.logger.debug({ orderId, status: outcome.status }, 'order.placed handled');
}

/**
 * `order.paid` -> the reserved units leave stock, answered by `inventory.committed`; when the
 * reservation is no longer held (it expired, or was released), by `inventory.commit_failed` —
 * orders then cancels and refunds.
 */
export async function onOrderPaid(deps: OrderEventDeps, paid: DomainEvent): Promise<void> {
  const { orderId } = OrderSettled.parse(paid.payload);
  await deps.reservations.commit(orderId, {
    handled: paid,
    announce: ({ outcome }) => [
      outcome?.status === 'COMMITTED'
        ? event(inventoryTopics.committed, { orderId })
        : event(inventoryTopics.commitFailed, { orderId, reason: 'RESERVATION_EXPIRED' }),
    ],
  });
}

/** `order.cancelled` -> the reserved (or already committed) units go back. */
export async function onOrderCancelled(deps: OrderEventDeps, cancelled: DomainEvent): Promise<void> {
  const { orderId } = OrderSettled.parse(cancelled.payload);
  await deps.reservations.release(orderId, {
    handled: cancelled,
    announce: ({ changed }) => (changed ? [event(inventoryTopics.released, { orderId })] : []),
  });
}

/** Releases the reservations past their expiry every `intervalMs`, announcing each. */
export function startReservationSweeper(deps: OrderEventDeps & { onExpired?: () => void }, intervalMs = 5_000) {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    deps.reservations
      .expireDue(deps.now?.() ?? new Date(), 100, (orderId) => event(inventoryTopics.expired, { orderId }))
      .then((expired) => {
        if (expired.length === 0) return;
        deps.logger.info({ expired }, 'reservations expired');
        deps.onExpired?.();
      })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'reservation sweep failed; will retry'))
      .finally(() => (running = false));
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}
