import { createLogger } from '#kit/logger';
import { createObjectStore, objectStoreConfigFromEnv } from './adapters/object-store.ts';
import { runSubgraphProcess } from '#kit/process';
import {
  connectDocumentJobQueue,
  readDocumentQuota,
  readDocumentsMaxBytes,
  startDocumentsSubgraph,
  documentsSubgraph,
} from './subgraph.ts';

const maxBytes = readDocumentsMaxBytes(process.env);
const quota = readDocumentQuota(process.env);
await runSubgraphProcess(documentsSubgraph, process.env, (config, shared) =>
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
