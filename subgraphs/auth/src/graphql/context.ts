import { rowLoader } from '#kit/loaders';
import type { SubgraphContext } from '#kit/subgraph-server';
import type { AccountStore } from '../ports.ts';

export function createLoaders(accounts: AccountStore) {
  return {
    account: rowLoader(
      (ids: readonly string[]) => accounts.byIds(ids),
      (a) => a.id,
    ),
  };
}

export interface Context extends SubgraphContext {
  loaders: ReturnType<typeof createLoaders>;
}
