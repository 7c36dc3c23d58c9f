/**
 * Composition root of the documents subgraph: config + shared adapters -> running server, and the
 * bridge from job events on the bus to the live documents on pub/sub.
 */
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Env, SubgraphConfig, SubgraphIdentity } from '#kit/config';
import { createBullJobQueue, type JobPolicy } from './adapters/job-queue.ts';
import type { JobQueue, ObjectStore } from './ports.ts';
import { createLogger, type Logger } from '#kit/logger';
import { startOutboxRelay } from '#kit/outbox';
import { connectRedis, type SharedAdapters } from '#kit/process';
import { readSchemaFile, startSubgraph } from '#kit/subgraph-server';
import { createDocumentStore, createDocumentsDb } from './adapters/prisma-document-store.ts';
import { createTextExtractor } from './adapters/text-extractors.ts';
import { startDocumentWorker } from './app/process-job.ts';
import { liveDocumentsGroup, liveDocumentTopics, publishDocumentDeleted, publishJobUpdate } from './app/watch-document.ts';
import { createLoaders } from './graphql/context.ts';
import { createResolvers } from './graphql/resolvers.ts';
import { defaultDocumentQuota, type DocumentQuota } from './domain/document.ts';

/** Its settings are `DOCUMENTS_*`; it listens on 4006 unless `DOCUMENTS_PORT` says otherwise. */
export const documentsSubgraph: SubgraphIdentity = { name: 'documents', defaultPort: 4006 };

/** The BullMQ queue the documents subgraph fills and the worker empties. */
export const documentJobsQueue = 'document-jobs';

/**
 * The document jobs' BullMQ queue on `redisUrl`, its keys under the events namespace (stacks sharing
 * one Redis stay apart), on a connection of its own that `close` ends; `ping` asks Redis whether it
 * answers (the worker's health check). The subgraph only enqueues; the worker passes its `policy`.
 */
export function connectDocumentJobQueue(
  redisUrl: string,
  namespace: string | undefined,
  logger: Logger,
  policy?: JobPolicy,
): JobQueue & { ping(): Promise<unknown> } {
  // Enqueueing fails fast while Redis is down (submitDocument answers SERVICE_UNAVAILABLE; the job
  // row stays PENDING and is queued again by the worker's sweep); the worker blocks on its own client.
  const redis = connectRedis(redisUrl, logger);
  let workerRedis: Redis | undefined;
  const queue = createBullJobQueue(documentJobsQueue, redis, logger, {
    prefix: namespace,
    policy,
    workerConnection: () => (workerRedis = new Redis(redisUrl, { maxRetriesPerRequest: null })),
  });
  return {
    ...queue,
    ping: () => redis.ping(),
    async close() {
      await queue.close();
      redis.disconnect();
      workerRedis?.disconnect();
    },
  };
}

/** `DOCUMENTS_MAX_BYTES`, the largest accepted file: the subgraph checks uploads with it, the worker downloads. */
export function readDocumentsMaxBytes(env: Env): number | undefined {
  return z.object({ DOCUMENTS_MAX_BYTES: z.coerce.number().int().positive().optional() }).parse(env).DOCUMENTS_MAX_BYTES;
}

/** `DOCUMENTS_MAX_PER_USER` and `DOCUMENTS_MAX_BYTES_PER_USER`: what one user may keep stored (defaults: 1,000 documents, 1 GiB). */
export function readDocumentQuota(env: Env): DocumentQuota {
  const parsed = z
    .object({
      DOCUMENTS_MAX_PER_USER: z.coerce.number().int().positive().default(defaultDocumentQuota.maxDocuments),
      DOCUMENTS_MAX_BYTES_PER_USER: z.coerce.number().int().positive().default(defaultDocumentQuota.maxBytes),
    })
    .parse(env);
  return { maxDocuments: parsed.DOCUMENTS_MAX_PER_USER, maxBytes: parsed.DOCUMENTS_MAX_BYTES_PER_USER };
}

export interface DocumentsOptions {
  /** Where the files go (MinIO/S3, or the embedded S3 server); uploads fail without it. */
  objects?: ObjectStore;
  /** Largest accepted file; default 25 MiB. */
  maxBytes?: number;
  /** What one user may keep stored (documents, bytes); default 1,000 and 1 GiB. */
  quota?: DocumentQuota;
  /** Where submitted jobs go for the text-extraction worker. */
  queue?: JobQueue;
  /** Run the worker in this process (embedded mode); services mode runs `npm run worker` instead. */
  worker?: boolean;
}

/** Starts the documents subgraph (uploads, downloads, jobs, live progress), its outbox relay and, when asked, the worker. */
export async function startDocumentsSubgraph(config: SubgraphConfig, shared: SharedAdapters, options: DocumentsOptions = {}) {
  const logger = createLogger('documents', config.logLevel);
  const db = createDocumentsDb(config.databaseUrl, config.databasePoolMax);
  const relay = startOutboxRelay({ db, bus: shared.bus, logger });
  const documents = createDocumentStore(db, { onEventsWritten: relay.wake });
  // One replica takes each event (the group) and publishes it; pub/sub hands it to every replica's watchers.
  shared.bus.subscribe(liveDocumentTopics.jobUpdated, liveDocumentsGroup, (event) => publishJobUpdate(shared.pubsub, event), {
    from: 'now',
  });
  shared.bus.subscribe(liveDocumentTopics.deleted, liveDocumentsGroup, (event) => publishDocumentDeleted(shared.pubsub, event), {
    from: 'now',
  });
  const worker =
    options.worker && options.queue && options.objects
      ? startDocumentWorker(
          { documents, objects: options.objects, extractor: createTextExtractor(), logger, maxBytes: options.maxBytes },
          options.queue,
        )
      : undefined;
  return startSubgraph({
    config,
    typeDefs: readSchemaFile(import.meta.url),
    resolvers: createResolvers({ documents, pubsub: shared.pubsub, ...options }),
    logger,
    extendContext: (base) => ({ ...base, loaders: createLoaders(documents) }),
    onStop: async () => {
      worker?.stop();
      await options.queue?.close();
      await relay.stop();
      await db.$disconnect();
    },
  });
}
