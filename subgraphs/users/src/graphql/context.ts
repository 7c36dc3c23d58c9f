import { groupLoader, rowLoader } from '#kit/loaders';
import type { SubgraphContext } from '#kit/subgraph-server';
import type { UserStore } from '../ports.ts';

/** Per-request loaders: one query per entity type per request. */
export function createLoaders(users: UserStore) {
  return {
    user: rowLoader(
      (ids: readonly string[]) => users.byIds(ids),
      (u) => u.id,
    ),
    addresses: groupLoader(
      (ids: readonly string[]) => users.addressesOf(ids),
      (a) => a.userId,
    ),
  };
}

export interface Context extends SubgraphContext {
  loaders: ReturnType<typeof createLoaders>;
}
