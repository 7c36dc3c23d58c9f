import { createLogger, createObjectStore, objectStoreConfigFromEnv, runSubgraphProcess } from '#kit';
import { connectDocumentJobQueue, readDocumentQuota, readDocumentsMaxBytes, startDocumentsSubgraph } from './subgraph.ts';

const maxBytes = readDocumentsMaxBytes(process.env);
const quota = readDocumentQuota(process.env);
await runSubgraphProcess('documents', process.env, (config, shared) =>
  startDocumentsSubgraph(config, shared, {
    objects: createObjectStore(objectStoreConfigFromEnv(process.env)),
    maxBytes,
    quota,
    // Jobs go to the BullMQ queue the worker process (`npm run worker`) empties; closed with the subgraph.
    queue: config.redisUrl
      ? connectDocumentJobQueue(config.redisUrl, config.events?.namespace, createLogger('documents', config.logLevel))
      : undefined,
  }),
);
