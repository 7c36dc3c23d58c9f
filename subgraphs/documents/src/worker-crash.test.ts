/**
 * The worker SIGKILLed in the middle of a job, then a new worker: the job is taken over after the
 * queue's lock expires and completes once. Real PostgreSQL, Redis (BullMQ) and an S3-protocol server;
 * the workers are separate processes (`subgraphs/documents/src/worker.ts`).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullJobQueue } from './adapters/job-queue.ts';
import type { JobQueue } from './ports.ts';
import { createLogger } from '#kit/logger';
import { createObjectStore } from './adapters/object-store.ts';
import {
  createTestDatabase,
  dropRedisNamespace,
  eventually,
  putUpload,
  testRedisUrl,
  testViewer,
  type TestDatabase,
} from '#kit/testing';
import { startTestS3, type TestS3 } from './testing.ts';
import { createProcessGroup, type ServiceProcess } from '#kit/process-group';
import { createDocumentStore, createDocumentsDb, type DocumentsDb } from './adapters/prisma-document-store.ts';
import { createDocumentUpload, submitDocument, type UploadDeps } from './app/upload-document.ts';
import { documentJobsQueue } from './subgraph.ts';
import { textPdf } from '../test-fixtures/text-pdf.ts';

const namespace = `test-worker-${randomUUID().slice(0, 8)}`;
const healthPort = 25_000 + Math.floor(Math.random() * 4000);
let database: TestDatabase;
let db: DocumentsDb;
let s3: TestS3;
let redis: Redis;
let queue: JobQueue;
let deps: UploadDeps;
const group = createProcessGroup({});

beforeAll(async () => {
  database = await createTestDatabase('documents');
  db = createDocumentsDb(database.url, 4);
  s3 = await startTestS3();
  redis = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
  queue = createBullJobQueue(documentJobsQueue, redis, createLogger('test', 'silent'), { prefix: namespace });
  deps = { documents: createDocumentStore(db), objects: createObjectStore(s3.config), queue };
});
afterAll(async () => {
  await group.stopAll(0); // SIGKILL what is left
  await queue.close();
  redis.disconnect();
  await dropRedisNamespace(namespace);
  await db.$disconnect();
  await database.drop();
  await s3.stop();
});

function startWorker(): ServiceProcess {
  return group.start('worker', 'subgraphs/documents/src/worker.ts', {
    env: {
      LOG_LEVEL: 'warn',
      DOCUMENTS_DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl,
      EVENTS_NAMESPACE: namespace,
      ...s3.env,
      WORKER_HEALTH_PORT: String(healthPort),
      WORKER_LOCK_MS: '2000',
      WORKER_CONCURRENCY: '1',
    },
    healthUrl: `http://127.0.0.1:${healthPort}/health`,
  });
}

const jobRow = (id: string) => db.documentJob.findUniqueOrThrow({ where: { id } });

describe('a worker killed in the middle of a job', () => {
  it('SIGKILL while RUNNING, then a new worker: the job completes once', async () => {
    const viewer = testViewer(randomUUID());
    const body = textPdf(Array.from({ length: 400 }, (_, i) => [`Meridian page ${i + 1} of the ledger`])); // seconds to extract
    const upload = await createDocumentUpload(deps, viewer, {
      filename: 'ledger.pdf',
      contentType: 'application/pdf',
      size: body.length,
    });
    expect((await putUpload(upload, body)).status).toBe(200);
    const { document } = upload;

    const first = startWorker();
    await first.healthy();
    const job = await submitDocument(deps, viewer, document.id);
    await eventually(async () => (await jobRow(job.id)).status === 'RUNNING', 'the first worker runs the job', 10_000, 10);
    await first.stop('SIGKILL');
    expect(await jobRow(job.id)).toMatchObject({ status: 'RUNNING', attempts: 1 }); // killed mid-job

    await startWorker().healthy();
    await eventually(async () => (await jobRow(job.id)).status !== 'RUNNING', 'the new worker takes the job over', 60_000);
    const done = await jobRow(job.id);
    expect(done).toMatchObject({ status: 'COMPLETED', attempts: 2, pageCount: 400 });
    expect(done.text).toContain('Meridian page 400 of the ledger');
    const completions = await db.outboxEvent.findMany({ where: { payload: { path: ['jobId'], equals: job.id } } });
    expect(completions.filter((e) => (e.payload as { status: string }).status === 'COMPLETED')).toHaveLength(1);
  }, 120_000);
});
