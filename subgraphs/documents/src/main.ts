import { Redis } from 'ioredis';
import { z } from 'zod';
import { createBullJobQueue, createLogger, createObjectStore, objectStoreConfigFromEnv, runSubgraphProcess } from '#kit';
import { documentJobsQueue, startDocumentsSubgraph } from './subgraph.ts';

const { DOCUMENTS_MAX_BYTES } = z
  .object({ DOCUMENTS_MAX_BYTES: z.coerce.number().int().positive().optional() })
  .parse(process.env);
await runSubgraphProcess('documents', process.env, (config, shared) => {
  // Jobs go to the BullMQ queue the worker process (`npm run worker`) empties.
  const queue = config.redisUrl
    ? createBullJobQueue(
        documentJobsQueue,
        new Redis(config.redisUrl, { maxRetriesPerRequest: null }),
        createLogger('documents', config.logLevel),
        {
          prefix: config.events?.namespace,
        },
      )
    : undefined;
  return startDocumentsSubgraph(config, shared, {
    objects: createObjectStore(objectStoreConfigFromEnv(process.env)),
    maxBytes: DOCUMENTS_MAX_BYTES,
    queue,
  });
});
