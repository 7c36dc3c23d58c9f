/** Use case: one page of a buyer's orders, newest first — for the buyer or an admin only. */
import { assertOwnerOrAdmin, type Viewer } from '#kit/auth';
import { pageArgs, toConnection, type Connection, type PageArgs } from '#kit/pagination';
import type { OrderStore } from '../ports.ts';
import type { Order } from '../domain/order.ts';

/**
 * Lists `buyerId`'s orders. UNAUTHENTICATED when anonymous, FORBIDDEN when the viewer is neither
 * the buyer nor an admin, BAD_USER_INPUT for a bad `first`/`after`.
 */
export async function listOrders(
  deps: { orders: OrderStore },
  viewer: Viewer | null,
  buyerId: string,
  args: PageArgs,
): Promise<Connection<Order>> {
  assertOwnerOrAdmin(viewer, buyerId);
  const { take, after } = pageArgs(args);
  return toConnection(await deps.orders.byBuyer(buyerId, take + 1, after), take);
}
