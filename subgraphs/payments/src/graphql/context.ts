import { groupLoader, rowLoader } from '#kit/loaders';
import type { SubgraphContext } from '#kit/subgraph-server';
import type { PaymentStore } from '../ports.ts';

/** Per-request loaders: one batched read per entity type (and per list field) per request. */
export function createLoaders(payments: PaymentStore) {
  return {
    payment: rowLoader(
      (ids: readonly string[]) => payments.byIds(ids),
      (p) => p.id,
    ),
    /** An order has at most one payment (`order_id` is unique). */
    paymentOfOrder: rowLoader(
      (orderIds: readonly string[]) => payments.byOrderIds(orderIds),
      (p) => p.orderId,
    ),
    attempts: groupLoader(
      (paymentIds: readonly string[]) => payments.attemptsOf(paymentIds),
      (a) => a.paymentId,
    ),
    refunds: groupLoader(
      (paymentIds: readonly string[]) => payments.refundsOfPayments(paymentIds),
      (r) => r.paymentId,
    ),
  };
}

export interface Context extends SubgraphContext {
  loaders: ReturnType<typeof createLoaders>;
}
