/**
 * The product's topology: which subgraphs there are and where each process listens by default.
 * Only the stack (launchers, seeding, test stack) needs the list; each subgraph knows its own name and
 * port (`<name>Subgraph` in its subgraph.ts), and the router learns them from the supergraph.
 */
export const subgraphNames = ['users', 'auth', 'inventory', 'orders', 'payments', 'documents'] as const;
export type SubgraphName = (typeof subgraphNames)[number];

/** Default ports of the services mode (the router listens on 4000; the document worker's health check on 4007). */
export const defaultPorts: Record<SubgraphName | 'router' | 'worker', number> = {
  router: 4000,
  users: 4001,
  auth: 4002,
  inventory: 4003,
  orders: 4004,
  payments: 4005,
  documents: 4006,
  worker: 4007,
};
