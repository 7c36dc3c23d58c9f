import { groupLoader, rowLoader } from '#kit/loaders';
import type { SubgraphContext } from '#kit/subgraph-server';
import type { OrderStore } from '../ports.ts';

/** Per-request loaders: one query per entity type per request. */
export function createLoaders(orders: OrderStore) {
  return {
    order: rowLoader(
      (ids: readonly string[]) => orders.byIds(ids),
      (o) => o.id,
    ),
    items: groupLoader(
      (ids: readonly string[]) => orders.itemsOf(ids),
      (i) => i.orderId,
    ),
    history: groupLoader(
      (ids: readonly string[]) => orders.historyOf(ids),
      (c) => c.orderId,
    ),
  };
}

export interface Context extends SubgraphContext {
  loaders: ReturnType<typeof createLoaders>;
}
