/** Composition root of the orders subgraph: config + shared adapters -> running server. */
import { createJwksVerifier, createLogger, readSchemaFile, startSubgraph, type SharedAdapters, type SubgraphConfig } from '#kit';
import { createOrderStore, createOrdersDb } from './adapters/prisma-order-store.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

/** Starts the orders subgraph; the shared bus is unused until the order saga subscribes to events. */
export async function startOrdersSubgraph(config: SubgraphConfig, _shared: SharedAdapters) {
  const logger = createLogger('orders', config.logLevel);
  const db = createOrdersDb(config.databaseUrl, config.databasePoolMax);
  const orders = createOrderStore(db);
  return startSubgraph({
    name: 'orders',
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers({ orders }),
    port: config.port,
    host: config.host,
    production: config.production,
    maxBodyBytes: config.maxBodyBytes,
    verifyToken: createJwksVerifier(config.tokens),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(orders) }),
    onStop: () => db.$disconnect(),
  });
}
