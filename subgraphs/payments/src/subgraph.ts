/** Composition root of the payments subgraph: config + shared adapters -> running server. */
import { createLogger, readSchemaFile, startSubgraph, type SharedAdapters, type SubgraphConfig } from '#kit';
import { createPaymentsDb, createPaymentStore } from './adapters/prisma-payment-store.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

/** Starts the payments subgraph. `shared` (the event bus) is unused until payments joins the order saga. */
export async function startPaymentsSubgraph(config: SubgraphConfig, _shared: SharedAdapters) {
  const logger = createLogger('payments', config.logLevel);
  const db = createPaymentsDb(config.databaseUrl, config.databasePoolMax);
  const payments = createPaymentStore(db);
  return startSubgraph({
    config,
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers(),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(payments) }),
    onStop: () => db.$disconnect(),
  });
}
