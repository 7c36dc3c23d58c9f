/**
 * Inventory's part in the order saga: it reserves stock when an order is placed, commits the
 * reservation when the order is confirmed, releases it when the order is cancelled, and expires
 * reservations nobody settled. Each answer goes out through the outbox in the same transaction as
 * the stock change; the reservation's order id makes every step idempotent (a redelivered event
 * finds the reservation and changes nothing).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { DomainEvent, Logger } from '#kit';
import type { ReservationStore, ReserveOutcome } from '../adapters/prisma-reservation-store.ts';

/** How long stock stays held for an unpaid order. */
export const reservationTtlMs = 15 * 60_000;

/** What inventory reads of the orders subgraph's events (it ignores the rest). */
const OrderPlaced = z.object({
  orderId: z.string().uuid(),
  items: z.array(z.object({ productId: z.string().uuid(), quantity: z.number().int().positive() })).min(1),
});
const OrderSettled = z.object({ orderId: z.string().uuid() });

const event = (topic: string, payload: unknown) => ({ id: randomUUID(), topic, payload });

/** Topics inventory publishes. */
export const inventoryTopics = {
  reserved: 'inventory.reserved',
  reservationFailed: 'inventory.reservation_failed',
  committed: 'inventory.committed',
  released: 'inventory.released',
  expired: 'reservation.expired',
} as const;

export interface OrderEventDeps {
  reservations: ReservationStore;
  logger: Logger;
  now?: () => Date;
}

/** `order.placed` -> hold the stock (all or nothing) and answer with prices, or OUT_OF_STOCK. */
export async function onOrderPlaced(deps: OrderEventDeps, placed: DomainEvent): Promise<void> {
  const { orderId, items } = OrderPlaced.parse(placed.payload);
  const expiresAt = new Date((deps.now?.() ?? new Date()).getTime() + reservationTtlMs);
  const outcome = await deps.reservations.reserve(orderId, items, expiresAt, (result: ReserveOutcome) =>
    result.status === 'OUT_OF_STOCK'
      ? event(inventoryTopics.reservationFailed, { orderId, reason: 'OUT_OF_STOCK', productId: result.productId })
      : event(inventoryTopics.reserved, { orderId, items: result.items, expiresAt: expiresAt.toISOString() }),
  );
  deps.logger.info({ orderId, status: outcome.status }, 'order.placed handled');
}

/** `order.confirmed` -> the reserved units leave stock. */
export async function onOrderConfirmed(deps: OrderEventDeps, confirmed: DomainEvent): Promise<void> {
  const { orderId } = OrderSettled.parse(confirmed.payload);
  await deps.reservations.commit(orderId, () => event(inventoryTopics.committed, { orderId }));
}

/** `order.cancelled` -> the reserved units go back on sale. */
export async function onOrderCancelled(deps: OrderEventDeps, cancelled: DomainEvent): Promise<void> {
  const { orderId } = OrderSettled.parse(cancelled.payload);
  await deps.reservations.release(orderId, () => event(inventoryTopics.released, { orderId }));
}

/** Releases the reservations past their expiry every `intervalMs`, announcing each. */
export function startReservationSweeper(deps: OrderEventDeps, intervalMs = 5_000) {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    deps.reservations
      .expireDue(deps.now?.() ?? new Date(), 100, (orderId) => () => event(inventoryTopics.expired, { orderId }))
      .then((expired) => expired.length > 0 && deps.logger.info({ expired }, 'reservations expired'))
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'reservation sweep failed; will retry'))
      .finally(() => (running = false));
  }, intervalMs);
  return { stop: () => clearInterval(timer) };
}
