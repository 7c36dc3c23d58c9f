/** GraphQL <-> orders use cases. A customer sees only their own orders; an admin sees all. */
import { canSee, requireViewer, type Viewer } from '#kit/auth';
import type { DeadLetter, EventBus } from '#kit/events';
import type { Logger } from '#kit/logger';
import type { PubSub } from '#kit/pubsub';
import { DateTimeScalar } from '#kit/scalars';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { OrderStore } from '../ports.ts';
import { listDeadLetters, replayDeadLetter } from '../app/dead-letters.ts';
import { listOrders } from '../app/list-orders.ts';
import { cancelOrder, placeOrder } from '../app/place-order.ts';
import { watchOrder } from '../app/watch-order.ts';
import { historyUpTo, lineTotal, type Order } from '../domain/order.ts';
import type { Context } from './context.ts';

/** The order when the viewer may see it; someone else's order is indistinguishable from none. */
async function visibleOrder(id: string, viewer: Viewer | null, { loaders }: Context): Promise<Order | null> {
  const order = await loaders.order.load(id);
  return order && canSee(viewer, order.buyerId) ? order : null;
}

/** A dead letter as the schema shows it. */
const deadLetterOf = (letter: DeadLetter) => ({
  id: letter.id,
  eventId: letter.event.id,
  topic: letter.event.topic,
  group: letter.group,
  error: letter.error,
  reason: letter.reason === 'content' ? ('CONTENT' as const) : ('RETRIES_EXHAUSTED' as const),
  deliveries: letter.deliveries,
  payload: JSON.stringify(letter.event.payload ?? null),
  occurredAt: new Date(letter.event.occurredAt),
  deadAt: new Date(letter.at),
});

export function createResolvers(deps: { orders: OrderStore; bus: EventBus; pubsub: PubSub; logger: Logger }): Resolvers {
  return {
    DateTime: DateTimeScalar,
    Query: {
      order: (_, { id }, ctx) => visibleOrder(id, ctx.viewer, ctx),
      myOrders: (_, args, { viewer }) => listOrders(deps, viewer, requireViewer(viewer).id, args),
      deadLetters: async (_, { last }, { viewer }) => (await listDeadLetters(deps.bus, viewer, last ?? 50)).map(deadLetterOf),
    },
    Mutation: {
      placeOrder: (_, { input, idempotencyKey }, { viewer }) => placeOrder(deps, viewer, input, idempotencyKey),
      cancelOrder: (_, { id }, { viewer }) => cancelOrder(deps, viewer, id),
      replayDeadLetter: async (_, { id }, { viewer }) => deadLetterOf(await replayDeadLetter(deps, viewer, id)),
    },
    Subscription: {
      orderUpdated: {
        subscribe: (_, { id }, { viewer }) => watchOrder(deps, viewer, id),
        resolve: (order: Order) => order,
      },
    },
    Order: {
      __resolveReference: (ref, ctx) => visibleOrder(ref.id, ctx.viewer, ctx),
      buyer: (order) => ({ id: order.buyerId }),
      items: (order, _, { loaders }) => loaders.items.load(order.id),
      // Cut at the order's status: a live update resolved after later moves shows the history it had.
      history: async (order, _, { loaders }) => historyUpTo(await loaders.history.load(order.id), order.status),
    },
    OrderItem: {
      product: (item) => ({ id: item.productId }),
      lineTotal: (item) => lineTotal(item),
    },
    User: {
      orders: (user, args, { viewer }) => listOrders(deps, viewer, user.id, args),
    },
  };
}
