/**
 * Live orders. Each `order.updated` event reaches one replica through the bus group `orders-live`,
 * which publishes it on the order's pub/sub channel; pub/sub hands it to every replica, so a
 * watcher is served wherever its WebSocket landed.
 */
import { canSee, requireViewer, type Viewer } from '#kit/auth';
import { badInput, forbidden, notFound } from '#kit/errors';
import type { DomainEvent } from '#kit/events';
import { isUuid } from '#kit/ids';
import { liveFeed } from '#kit/live-feed';
import type { PubSub } from '#kit/pubsub';
import { z } from 'zod';
import type { OrderStore } from '../ports.ts';
import type { Order } from '../domain/order.ts';
import { canBecome, cancelReasons, isFinal, orderStatuses } from '../domain/order-status.ts';

/** The bus consumer group that hands `order.updated` events to pub/sub. */
export const liveOrdersGroup = 'orders-live';

/** The pub/sub channel of one order's moves. */
export const orderChannel = (orderId: string) => `order:${orderId.toLowerCase()}`;

/** The part of `order.updated` (see `OrderUpdated`) a watcher reads. */
const orderUpdate = z.object({
  orderId: z.string().uuid(),
  status: z.enum(orderStatuses),
  cancelReason: z.enum(cancelReasons).nullable(),
  total: z.object({ amount: z.number().int(), currency: z.string() }).nullable(),
});

/** Publishes an `order.updated` event on its order's channel; a malformed one throws (retried, then dead-lettered). */
export async function publishOrderUpdate(pubsub: PubSub, event: DomainEvent): Promise<void> {
  const update = orderUpdate.parse(event.payload);
  await pubsub.publish(orderChannel(update.orderId), event.payload);
}

/**
 * Order `id` as it moves: first as it is now, then once per status move, each with its own status,
 * reason and total, until it is CONFIRMED or CANCELLED. A move it has already made (a redelivery,
 * an event older than the first read) is skipped, so it never goes backwards. UNAUTHENTICATED when
 * anonymous, BAD_USER_INPUT for an id that is not a UUID, NOT_FOUND for no such order, FORBIDDEN for
 * someone else's (an admin may watch any).
 */
export async function watchOrder(
  deps: { orders: OrderStore; pubsub: PubSub },
  viewer: Viewer | null,
  id: string,
): Promise<AsyncGenerator<Order, undefined>> {
  const who = requireViewer(viewer);
  if (!isUuid(id)) throw badInput('The order id is not valid', { field: 'id' });
  // Listening starts first: a move made while the order is read still arrives (and is skipped if the read saw it).
  return liveFeed<Order>(deps.pubsub, orderChannel(id), async () => {
    const [order] = await deps.orders.byIds([id]);
    if (!order) throw notFound('The order');
    if (!canSee(who, order.buyerId)) throw forbidden('Only the buyer of an order (or an admin) may watch it');
    return {
      current: order,
      // Built from the event, not read again: a busy router sends thousands of moves a second.
      next(state, message) {
        const update = orderUpdate.safeParse(message);
        if (!update.success || !canBecome(state.status, update.data.status)) return 'skip';
        const { status, cancelReason, total } = update.data;
        return { ...state, status, cancelReason, total: total ?? state.total };
      },
      isLast: (state) => isFinal(state.status),
    };
  });
}
