/** Composition root of the documents subgraph: config + shared adapters -> running server. */
import { createLogger, readSchemaFile, startSubgraph, type ObjectStore, type SharedAdapters, type SubgraphConfig } from '#kit';
import { createDocumentStore, createDocumentsDb } from './adapters/prisma-document-store.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';

export interface DocumentsOptions {
  /** Where the files go (MinIO/S3, or the embedded S3 server); uploads fail without it. */
  objects?: ObjectStore;
  /** Largest accepted file; default 25 MiB. */
  maxBytes?: number;
}

/** Starts the documents subgraph (uploads, downloads, jobs; the extraction worker is its own process). */
export async function startDocumentsSubgraph(config: SubgraphConfig, _shared: SharedAdapters, options: DocumentsOptions = {}) {
  const logger = createLogger('documents', config.logLevel);
  const db = createDocumentsDb(config.databaseUrl, config.databasePoolMax);
  const documents = createDocumentStore(db);
  return startSubgraph({
    config,
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers({ documents, ...options }),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(documents) }),
    onStop: () => db.$disconnect(),
  });
}
