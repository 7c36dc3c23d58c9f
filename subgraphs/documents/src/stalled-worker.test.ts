/**
 * A slow worker whose queue lock expired while another worker took its job over. Real BullMQ on
 * Redis, PostgreSQL and an S3-protocol server. The slow worker is a BullMQ worker that does not renew
 * its lock — as one whose event loop was blocked past the lock — and whose download we hold back; the
 * other is the product's worker.
 */
import { randomUUID } from 'node:crypto';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullJobQueue, type JobPolicy } from './adapters/job-queue.ts';
import { createLogger } from '#kit/logger';
import { createObjectStore } from './adapters/object-store.ts';
import { createTextExtractor } from './adapters/text-extractors.ts';
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
import { createDocumentStore, createDocumentsDb, type DocumentsDb } from './adapters/prisma-document-store.ts';
import type { DocumentStore, JobQueue, ObjectStore } from './ports.ts';
import { processJob, startDocumentWorker } from './app/process-job.ts';
import { createDocumentUpload, submitDocument } from './app/upload-document.ts';
import { documentJobsQueue } from './subgraph.ts';

const logger = createLogger('test', 'silent');
const extractor = createTextExtractor();
const prefix = `test-stalled-${randomUUID().slice(0, 8)}`;
const policy: JobPolicy = { attempts: 2, backoffMs: 50, concurrency: 1, lockMs: 1000 };
const connections: Redis[] = [];
const connect = () => {
  const connection = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
  connections.push(connection);
  return connection;
};
let database: TestDatabase;
let db: DocumentsDb;
let s3: TestS3;
let objects: ObjectStore;
let documents: DocumentStore;
let producer: JobQueue;

beforeAll(async () => {
  database = await createTestDatabase('documents');
  db = createDocumentsDb(database.url, 4);
  s3 = await startTestS3();
  objects = createObjectStore(s3.config);
  documents = createDocumentStore(db);
  producer = createBullJobQueue(documentJobsQueue, connect(), logger, { prefix, policy });
});
afterAll(async () => {
  await producer.close();
  for (const connection of connections) connection.disconnect();
  await dropRedisNamespace(prefix);
  await db.$disconnect();
  await database.drop();
  await s3.stop();
});

/** A promise and the function that fulfils it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** The object store, with every download waiting until `until` is fulfilled: a slow worker. */
const heldBack = (until: Promise<void>): ObjectStore => ({
  ...objects,
  download: async (key, maxBytes) => {
    await until;
    return objects.download(key, maxBytes);
  },
});

const jobRow = (id: string) => db.documentJob.findUniqueOrThrow({ where: { id } });

describe('a worker that lost its job to another', () => {
  it('writes nothing after the takeover, however late its progress and result come; the new attempt’s result stands', async () => {
    const viewer = testViewer(randomUUID());
    const body = Buffer.from('Meridian delivery note 17\n');
    const upload = await createDocumentUpload({ documents, objects }, viewer, {
      filename: 'note.txt',
      contentType: 'text/plain',
      size: body.length,
    });
    expect((await putUpload(upload, body)).status).toBe(200);
    const { document } = upload;
    const job = await submitDocument({ documents, objects, queue: producer }, viewer, document.id);

    const slow = gate();
    let slowRun: Promise<void> | undefined;
    const slowWorker = new Worker(
      documentJobsQueue,
      (queued) =>
        (slowRun = processJob(
          { documents, objects: heldBack(slow.opened), extractor, logger },
          (queued.data as { id: string }).id,
          {
            number: 1,
            last: false,
          },
        )),
      { connection: connect(), prefix, lockDuration: policy.lockMs, skipLockRenewal: true, skipStalledCheck: true },
    );
    slowWorker.on('error', () => undefined); // its completion is refused by BullMQ too: the lock is gone
    const takeover = gate();
    const takeoverQueue = createBullJobQueue(documentJobsQueue, connect(), logger, { prefix, policy });
    try {
      await eventually(async () => (await jobRow(job.id)).attempts === 1, 'the slow worker claims the job');
      const worker = startDocumentWorker({ documents, objects: heldBack(takeover.opened), extractor, logger }, takeoverQueue);
      await eventually(
        async () => (await jobRow(job.id)).attempts === 2,
        'the lock expires and the other worker claims the job',
        15_000,
      );

      slow.open(); // the slow worker wakes up: downloads, extracts, records progress and its result
      await slowRun;
      expect(await jobRow(job.id)).toMatchObject({ status: 'RUNNING', attempts: 2, progress: 0, text: null });
      expect((await documents.byIds([document.id]))[0]?.status).toBe('PROCESSING');

      takeover.open();
      await eventually(async () => (await jobRow(job.id)).status === 'COMPLETED', 'the new attempt completes');
      worker.stop();
      expect(await jobRow(job.id)).toMatchObject({ status: 'COMPLETED', attempts: 2, progress: 100 });
      expect((await jobRow(job.id)).text).toContain('Meridian delivery note 17');
      const events = await db.outboxEvent.findMany({
        where: { payload: { path: ['jobId'], equals: job.id } },
        orderBy: { createdAt: 'asc' },
      });
      const moves = events.map((e) => e.payload as { status: string; progress: number; attempts: number });
      // Attempt 1's claim, then attempt 2's claim, progress and completion: nothing of attempt 1 after it lost the job.
      expect(moves.map((m) => [m.attempts, m.status, m.progress])).toEqual([
        [1, 'RUNNING', 0],
        [2, 'RUNNING', 0],
        [2, 'RUNNING', 30],
        [2, 'RUNNING', 90],
        [2, 'COMPLETED', 100],
      ]);
    } finally {
      slow.open();
      takeover.open();
      await slowWorker.close();
      await takeoverQueue.close();
    }
  }, 30_000);
});
