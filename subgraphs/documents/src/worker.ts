/**
 * `npm run worker`: the text-extraction worker of the services mode, a process of its own. It takes
 * document jobs from the BullMQ queue on Redis (bounded concurrency), writes their progress and
 * results to the documents database, and publishes `document.job.updated` through the outbox.
 */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { z } from 'zod';
import {
  createBullJobQueue,
  createLogger,
  createObjectStore,
  connectSharedAdapters,
  objectStoreConfigFromEnv,
  readSubgraphConfig,
  startOutboxRelay,
  stopOnSignals,
} from '#kit';
import { createDocumentStore, createDocumentsDb } from './adapters/prisma-document-store.ts';
import { startDocumentWorker } from './app/process-job.ts';
import { documentJobsQueue } from './subgraph.ts';

const config = readSubgraphConfig('documents', process.env);
const env = z
  .object({
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    WORKER_JOB_ATTEMPTS: z.coerce.number().int().min(1).default(4),
    WORKER_JOB_TIMEOUT_MS: z.coerce.number().int().min(1000).default(120_000),
    DOCUMENTS_MAX_BYTES: z.coerce.number().int().positive().optional(),
    WORKER_HEALTH_PORT: z.coerce.number().int().nonnegative().default(4007),
    // A job whose worker stops renewing its lock this long is handed to another worker.
    WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  })
  .parse(process.env);
if (!config.redisUrl) throw new Error('the worker needs REDIS_URL (its queue lives in Redis)');
const logger = createLogger('worker', config.logLevel);
const db = createDocumentsDb(config.databaseUrl, config.databasePoolMax);
const documents = createDocumentStore(db);
const shared = connectSharedAdapters(config.redisUrl, logger, config.events);
const relay = startOutboxRelay({ db, bus: shared.bus, logger });
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
const queue = createBullJobQueue(documentJobsQueue, redis, logger, {
  prefix: config.events?.namespace,
  policy: { attempts: env.WORKER_JOB_ATTEMPTS, backoffMs: 1000, concurrency: env.WORKER_CONCURRENCY, lockMs: env.WORKER_LOCK_MS },
});
const worker = startDocumentWorker(
  {
    documents,
    objects: createObjectStore(objectStoreConfigFromEnv(process.env)),
    logger,
    maxBytes: env.DOCUMENTS_MAX_BYTES,
    timeoutMs: env.WORKER_JOB_TIMEOUT_MS,
  },
  queue,
);
// For supervisors (Docker healthcheck, start:services): the process is up and its queue reachable.
const health = createServer((request, response) => {
  if (request.url !== '/health') return void response.writeHead(404).end();
  redis.ping().then(
    () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}'),
    () => response.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"redis unreachable"}'),
  );
});
health.listen(env.WORKER_HEALTH_PORT, config.host);
logger.info({ concurrency: env.WORKER_CONCURRENCY, healthPort: env.WORKER_HEALTH_PORT }, 'document worker started');
stopOnSignals(async () => {
  health.close();
  worker.stop();
  await queue.close();
  await relay.stop();
  await shared.close();
  redis.disconnect();
  await db.$disconnect();
});
