/**
 * GraphQL <-> payments. A payment is visible to its payer and to admins only; to anyone else it
 * does not exist (null), whether asked for by id, through its order or as an entity reference.
 */
import { canSee, requireAdmin, requireViewer, type Viewer } from '#kit/auth';
import { DateTimeScalar } from '#kit/scalars';
import type { Resolvers } from '../__generated__/resolvers-types.ts';
import { refundPayment } from '../app/refund-payment.ts';
import type { ProviderDeps, ProviderPolicy } from '../app/provider-policy.ts';
import type { Payment } from '../domain/payment.ts';

const visibleTo = (viewer: Viewer | null, payment: Payment | null): Payment | null =>
  payment && canSee(viewer, payment.payerId) ? payment : null;

/** The payments resolvers; every read goes through the request's loaders. `refunds` serves the admin refund. */
export function createResolvers(refunds: ProviderDeps & { policy?: ProviderPolicy }): Resolvers {
  return {
    DateTime: DateTimeScalar,
    Query: {
      payment: async (_, { id }, { viewer, loaders }) => visibleTo(requireViewer(viewer), await loaders.payment.load(id)),
    },
    Mutation: {
      refundPayment: async (_, { paymentId, amount, idempotencyKey }, { viewer }) => {
        requireAdmin(viewer, 'Only an admin may refund a payment');
        const { refund } = await refundPayment(
          refunds,
          { paymentId, idempotencyKey, ...(amount != null ? { amount } : {}) },
          refunds.policy,
        );
        return refund;
      },
    },
    Payment: {
      __resolveReference: async (ref, { viewer, loaders }) => visibleTo(viewer, await loaders.payment.load(ref.id)),
      order: (payment) => ({ id: payment.orderId }),
      attempts: (payment, _, { loaders }) => loaders.attempts.load(payment.id),
      refunds: (payment, _, { loaders }) => loaders.refunds.load(payment.id),
    },
    Refund: {
      payment: async (refund, _, { loaders }) => (await loaders.payment.load(refund.paymentId))!,
    },
    Order: {
      __resolveReference: (ref) => ({ id: ref.id }),
      payment: async (order, _, { viewer, loaders }) => visibleTo(viewer, await loaders.paymentOfOrder.load(order.id)),
    },
  };
}
