/**
 * `npm run worker`: the text-extraction worker of the services mode, a process of its own. It takes
 * document jobs from the BullMQ queue on Redis (bounded concurrency), writes their progress and
 * results to the documents database, and publishes `document.job.updated` through the outbox.
 */
import { createServer } from 'node:http';
import { z } from 'zod';
import { readSubgraphConfig, stopOnSignals } from '#kit/config';
import { defaultJobPolicy } from './adapters/job-queue.ts';
import { createLogger } from '#kit/logger';
import { createObjectStore, objectStoreConfigFromEnv } from './adapters/object-store.ts';
import { startOutboxRelay } from '#kit/outbox';
import { connectSharedAdapters } from '#kit/process';
import { createDocumentStore, createDocumentsDb } from './adapters/prisma-document-store.ts';
import { createTextExtractor } from './adapters/text-extractors.ts';
import { startDocumentWorker } from './app/process-job.ts';
import { connectDocumentJobQueue, documentsSubgraph, readDocumentsMaxBytes } from './subgraph.ts';

const config = readSubgraphConfig(documentsSubgraph, process.env);
const env = z
  .object({
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(defaultJobPolicy.concurrency),
    WORKER_JOB_ATTEMPTS: z.coerce.number().int().min(1).default(defaultJobPolicy.attempts),
    // A job running longer fails for good; unset, processJob's default applies.
    WORKER_JOB_TIMEOUT_MS: z.coerce.number().int().min(1000).optional(),
    // Next to the documents subgraph's default port (4006).
    WORKER_HEALTH_PORT: z.coerce.number().int().nonnegative().default(4007),
    // A job whose worker stops renewing its lock this long is handed to another worker.
    WORKER_LOCK_MS: z.coerce.number().int().min(1000).default(defaultJobPolicy.lockMs),
  })
  .parse(process.env);
if (!config.redisUrl) throw new Error('the worker needs REDIS_URL (its queue lives in Redis)');
const logger = createLogger('worker', config.logLevel);
const db = createDocumentsDb(config.databaseUrl, config.databasePoolMax);
const shared = connectSharedAdapters(config.redisUrl, logger, config.events);
// The worker writes the jobs' progress events: waking its relay on each write sends them at once.
const relay = startOutboxRelay({ db, bus: shared.bus, logger });
const documents = createDocumentStore(db, { onEventsWritten: relay.wake });
const queue = connectDocumentJobQueue(config.redisUrl, config.events?.namespace, logger, {
  ...defaultJobPolicy,
  attempts: env.WORKER_JOB_ATTEMPTS,
  concurrency: env.WORKER_CONCURRENCY,
  lockMs: env.WORKER_LOCK_MS,
});
const worker = startDocumentWorker(
  {
    documents,
    objects: createObjectStore(objectStoreConfigFromEnv(process.env)),
    extractor: createTextExtractor(),
    logger,
    maxBytes: readDocumentsMaxBytes(process.env),
    timeoutMs: env.WORKER_JOB_TIMEOUT_MS,
  },
  queue,
);
// For supervisors (Docker healthcheck, start:services): the process is up and its queue reachable.
const health = createServer((request, response) => {
  if (request.url !== '/health') return void response.writeHead(404).end();
  queue.ping().then(
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
  await db.$disconnect();
});
