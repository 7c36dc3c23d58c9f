import { rowLoader } from '#kit/loaders';
import type { SubgraphContext } from '#kit/subgraph-server';
import type { InventoryStore } from '../ports.ts';

/** Per-request loaders: one batched read per entity type per request. */
export function createLoaders(products: InventoryStore) {
  return {
    product: rowLoader(
      (ids: readonly string[]) => products.byIds(ids),
      (p) => p.id,
    ),
  };
}

export interface Context extends SubgraphContext {
  loaders: ReturnType<typeof createLoaders>;
}
