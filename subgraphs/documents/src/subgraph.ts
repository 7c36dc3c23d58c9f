/** Composition root of the documents subgraph: config + shared adapters -> running server. */
import { createLogger, readSchemaFile, startSubgraph, type SharedAdapters, type SubgraphConfig } from '#kit';
import { createDocumentStore, createDocumentsDb } from './adapters/prisma-document-store.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

/** Starts the documents subgraph; the shared bus is unused until document jobs are queued. */
export async function startDocumentsSubgraph(config: SubgraphConfig, _shared: SharedAdapters) {
  const logger = createLogger('documents', config.logLevel);
  const db = createDocumentsDb(config.databaseUrl, config.databasePoolMax);
  const documents = createDocumentStore(db);
  return startSubgraph({
    config,
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers({ documents }),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(documents) }),
    onStop: () => db.$disconnect(),
  });
}
