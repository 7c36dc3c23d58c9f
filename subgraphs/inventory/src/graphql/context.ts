import { rowLoader, type SubgraphContext } from '#kit';
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
