/** Composition root of the inventory subgraph: config + shared adapters -> running server. */
import { createLogger, readSchemaFile, startSubgraph, type SharedAdapters, type SubgraphConfig } from '#kit';
import { createInventoryDb, createInventoryStore } from './adapters/prisma-inventory-store.ts';
import { createReservationStore } from './adapters/prisma-reservation-store.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

/** Starts the inventory subgraph. `shared` (the event bus) is unused until inventory joins the order saga. */
export async function startInventorySubgraph(config: SubgraphConfig, _shared: SharedAdapters) {
  const logger = createLogger('inventory', config.logLevel);
  const db = createInventoryDb(config.databaseUrl, config.databasePoolMax);
  const products = createInventoryStore(db);
  const reservations = createReservationStore(db);
  return startSubgraph({
    config,
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers({ products, reservations }),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(products) }),
    onStop: () => db.$disconnect(),
  });
}
