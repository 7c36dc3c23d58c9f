/**
 * GraphQL <-> payments. A payment is visible to its payer and to admins only; to anyone else it
 * does not exist (null), whether asked for by id, through its order or as an entity reference.
 */
import { canSee, DateTimeScalar, requireViewer, type Viewer } from '#kit';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import type { Payment } from '../domain/payment.ts';

const visibleTo = (viewer: Viewer | null, payment: Payment | null): Payment | null =>
  payment && canSee(viewer, payment.payerId) ? payment : null;

/** The payments resolvers; every read goes through the request's loaders. */
export function createResolvers(): Resolvers {
  return {
    DateTime: DateTimeScalar,
    Query: {
      payment: async (_, { id }, { viewer, loaders }) => visibleTo(requireViewer(viewer), await loaders.payment.load(id)),
    },
    Payment: {
      __resolveReference: async (ref, { viewer, loaders }) => visibleTo(viewer, await loaders.payment.load(ref.id)),
      order: (payment) => ({ id: payment.orderId }),
      attempts: (payment, _, { loaders }) => loaders.attempts.load(payment.id),
    },
    Order: {
      __resolveReference: (ref) => ({ id: ref.id }),
      payment: async (order, _, { viewer, loaders }) => visibleTo(viewer, await loaders.paymentOfOrder.load(order.id)),
    },
  };
}
