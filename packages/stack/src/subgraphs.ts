/** The six subgraphs' composition roots, by name, in start order (auth first: it serves the JWKS). */
import type { RunningSubgraph, SharedAdapters, SubgraphConfig, SubgraphName } from '#kit';
import { startAuthSubgraph } from '../../../subgraphs/auth/src/subgraph.ts';
import { startDocumentsSubgraph } from '../../../subgraphs/documents/src/subgraph.ts';
import { startInventorySubgraph } from '../../../subgraphs/inventory/src/subgraph.ts';
import { startOrdersSubgraph } from '../../../subgraphs/orders/src/subgraph.ts';
import { startPaymentsSubgraph } from '../../../subgraphs/payments/src/subgraph.ts';
import { startUsersSubgraph } from '../../../subgraphs/users/src/subgraph.ts';

export const subgraphStarters: [SubgraphName, (config: SubgraphConfig, shared: SharedAdapters) => Promise<RunningSubgraph>][] = [
  ['auth', startAuthSubgraph],
  ['users', startUsersSubgraph],
  ['inventory', startInventorySubgraph],
  ['orders', startOrdersSubgraph],
  ['payments', startPaymentsSubgraph],
  ['documents', startDocumentsSubgraph],
];
