/** Composition root of the orders subgraph: config + shared adapters -> running server. */
import { createLogger, readSchemaFile, startSubgraph, type SharedAdapters, type SubgraphConfig } from '#kit';
import { createOrderStore, createOrdersDb } from './adapters/prisma-order-store.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

/** Starts the orders subgraph; the shared bus is unused until the order saga subscribes to events. */
export async function startOrdersSubgraph(config: SubgraphConfig, _shared: SharedAdapters) {
  const logger = createLogger('orders', config.logLevel);
  const db = createOrdersDb(config.databaseUrl, config.databasePoolMax);
  const orders = createOrderStore(db);
  return startSubgraph({
    config,
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers({ orders }),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(orders) }),
    onStop: () => db.$disconnect(),
  });
}
