/** Use cases: a buyer places an order (the saga then runs on its own) or cancels one before it is confirmed. */
import { randomUUID } from 'node:crypto';
import { requireViewer, canSee, type Viewer } from '#kit/auth';
import { badInput, DomainError, notFound } from '#kit/errors';
import { outboxEvent } from '#kit/outbox';
import type { OrderStore } from '../ports.ts';
import { newOrder, sameRequest, type NewOrderInput, type Order } from '../domain/order.ts';
import { decide } from '../domain/saga.ts';
import { orderTopics, stepEvents, updatedEvent } from './order-saga.ts';

export interface PlaceOrderDeps {
  orders: OrderStore;
  now?: () => Date;
}

export type PlaceOrder = Pick<NewOrderInput, 'items' | 'paymentMethod' | 'shippingAddressId'>;

const idempotencyKeyPattern = /^[\x21-\x7e]{1,200}$/;

/**
 * Places an order for the viewer: writes it PENDING with `order.placed` in one transaction and
 * returns at once; inventory, payments and the saga take it from there. The same
 * `idempotencyKey` again (a retry after a lost answer) returns the order placed first; reusing a
 * key for a different order is a CONFLICT. UNAUTHENTICATED when anonymous, BAD_USER_INPUT for an
 * invalid order or key, or a shipping address that is not in the buyer's address book.
 */
export async function placeOrder(
  deps: PlaceOrderDeps,
  viewer: Viewer | null,
  input: PlaceOrder,
  idempotencyKey: string,
): Promise<Order> {
  const buyer = requireViewer(viewer);
  if (!idempotencyKeyPattern.test(idempotencyKey)) {
    throw badInput('idempotencyKey must be 1 to 200 visible ASCII characters, e.g. a UUID', { field: 'idempotencyKey' });
  }
  const { order, items, history } = newOrder({ ...input, id: randomUUID(), buyerId: buyer.id }, deps.now?.() ?? new Date());
  const shippingAddressId = input.shippingAddressId ?? null;
  if (shippingAddressId !== null && !(await deps.orders.isAddressOf(buyer.id, shippingAddressId))) {
    throw badInput('The shipping address is not one of yours; add it to your profile first', { field: 'shippingAddressId' });
  }
  const placed = await deps.orders.place({
    order,
    items,
    history,
    idempotencyKey,
    shippingAddressId,
    events: [
      outboxEvent(orderTopics.placed, {
        orderId: order.id,
        buyerId: order.buyerId,
        items: items.map(({ productId, quantity }) => ({ productId, quantity })),
      }),
      updatedEvent(order, history[0]!),
    ],
  });
  if (!placed.created && !sameRequest(placed.order, placed.items, input)) {
    throw new DomainError('CONFLICT', 'This idempotency key was already used for a different order; use a new key', {
      field: 'idempotencyKey',
    });
  }
  return placed.order;
}

/**
 * Cancels an order for its buyer or an admin, before it is confirmed: inventory releases the stock,
 * and a payment already taken is refunded. NOT_FOUND for an order the viewer may not see, CONFLICT
 * once it is confirmed or cancelled.
 */
export async function cancelOrder(deps: PlaceOrderDeps, viewer: Viewer | null, orderId: string): Promise<Order> {
  const who = requireViewer(viewer);
  const at = deps.now?.() ?? new Date();
  const step = await deps.orders.applyStep(
    orderId,
    (order, items) => {
      if (!canSee(who, order.buyerId)) throw notFound('The order');
      return decide(order, items, { type: 'cancel_requested' }, at);
    },
    { announce: stepEvents },
  );
  return step!.order;
}
