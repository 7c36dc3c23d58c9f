/** The six subgraphs' composition roots, by name, in start order (auth first: it serves the JWKS). */
import type { SubgraphConfig } from '#kit/config';
import type { SubgraphName } from './topology.ts';
import type { SharedAdapters } from '#kit/process';
import type { RunningSubgraph } from '#kit/subgraph-server';
import { startAuthSubgraph, type AuthOptions } from '../../subgraphs/auth/src/index.ts';
import { startDocumentsSubgraph, type DocumentsOptions } from '../../subgraphs/documents/src/index.ts';
import { startInventorySubgraph, type InventoryOptions } from '../../subgraphs/inventory/src/index.ts';
import { startOrdersSubgraph, type OrdersOptions } from '../../subgraphs/orders/src/index.ts';
import { startPaymentsSubgraph, type PaymentsOptions } from '../../subgraphs/payments/src/index.ts';
import { startUsersSubgraph } from '../../subgraphs/users/src/index.ts';

/** Per-subgraph settings beyond the common config (what services mode reads from `INVENTORY_*`/`ORDERS_*`/`PAYMENTS_*`). */
export interface SubgraphTuning {
  auth?: AuthOptions;
  inventory?: InventoryOptions;
  orders?: OrdersOptions;
  payments?: PaymentsOptions;
  documents?: DocumentsOptions;
}

type Starter = (config: SubgraphConfig, shared: SharedAdapters, tuning: SubgraphTuning) => Promise<RunningSubgraph>;

export const subgraphStarters: [SubgraphName, Starter][] = [
  ['auth', (config, shared, tuning) => startAuthSubgraph(config, shared, tuning.auth)],
  ['users', (config, shared) => startUsersSubgraph(config, shared)],
  ['inventory', (config, shared, tuning) => startInventorySubgraph(config, shared, tuning.inventory)],
  ['orders', (config, shared, tuning) => startOrdersSubgraph(config, shared, tuning.orders)],
  ['payments', (config, shared, tuning) => startPaymentsSubgraph(config, shared, tuning.payments)],
  ['documents', (config, shared, tuning) => startDocumentsSubgraph(config, shared, tuning.documents)],
];
