/**
 * Documents end to end below the API: upload to a real S3-protocol server, submit, and the worker
 * (in-process queue, same contract as BullMQ) extracts the text into the real PostgreSQL database.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessJobQueue } from '../adapters/job-queue.ts';
import type { JobQueue } from '../ports.ts';
import { createLogger } from '#kit/logger';
import { createObjectStore, type S3ObjectStore } from '../adapters/object-store.ts';
import { createTextExtractor } from '../adapters/text-extractors.ts';
import { createTestDatabase, eventually, putUpload, testViewer, type TestDatabase } from '#kit/testing';
import { startTestS3, type TestS3 } from '../testing.ts';
import { createDocumentStore, createDocumentsDb, type DocumentsDb } from '../adapters/prisma-document-store.ts';
import { lyingDocx } from '../../test-fixtures/lying-docx.ts';
import { maxClaims, recoverOrphanedJobs, startDocumentWorker } from './process-job.ts';
import { createDocumentUpload, submitDocument, type UploadDeps } from './upload-document.ts';

const fixture = (name: string) => readFileSync(new URL(`../../test-fixtures/${name}`, import.meta.url));
const logger = createLogger('test', 'silent');
let database: TestDatabase;
let db: DocumentsDb;
let s3: TestS3;
let queue: JobQueue;
let deps: UploadDeps & { objects: S3ObjectStore };
let worker: { stop(): void };

beforeAll(async () => {
  database = await createTestDatabase('documents');
  db = createDocumentsDb(database.url, 4);
  s3 = await startTestS3();
  queue = createInProcessJobQueue(logger, { attempts: 3, backoffMs: 50, concurrency: 2, lockMs: 30_000 });
  const objects = createObjectStore(s3.config);
  deps = { documents: createDocumentStore(db), objects, queue };
  worker = startDocumentWorker(
    {
      documents: deps.documents,
      objects,
      logger,
      extractor: createTextExtractor({
        maxPages: 5,
        maxTextChars: 100_000,
        maxPixels: 4_000_000,
        maxInflatedBytes: 100 * 1024 * 1024,
      }),
    },
    queue,
  );
});
afterAll(async () => {
  worker.stop();
  await queue.close();
  await db.$disconnect();
  await database.drop();
  await s3.stop();
});

async function process(file: string, contentType: string) {
  const viewer = testViewer(randomUUID());
  const body = fixture(file);
  const upload = await createDocumentUpload(deps, viewer, { filename: file, contentType, size: body.length });
  const { document } = upload;
  expect((await putUpload(upload, body)).status).toBe(200);
  const job = await submitDocument(deps, viewer, document.id);
  let finished: Awaited<ReturnType<typeof deps.documents.jobsByIds>>[number] | undefined;
  await eventually(
    async () => {
      const [current] = await deps.documents.jobsByIds([job.id]);
      if (current?.status === 'COMPLETED' || current?.status === 'FAILED') finished = current;
      return finished !== undefined;
    },
    `the job of ${file} is COMPLETED or FAILED`,
    15_000,
  );
  const [after] = await deps.documents.byIds([document.id]);
  return { job: finished!, document: after! };
}

describe('the text-extraction worker', () => {
  it.each([
    ['receipt.txt', 'text/plain', 'Receipt — Café Lisboa\nTotal: 12.50 EUR\n', null],
    ['latin1.txt', 'text/plain', 'Reçu: Café Crème, déjà payé', null],
    ['invoice.pdf', 'application/pdf', 'Meridian invoice 2026-0042\nTotal due: 99.90 EUR', 1],
    [
      'contract.docx',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'Meridian contract 7\n\nSigned in Lisbon',
      null,
    ],
    ['receipt-scan.png', 'image/png', 'Meridian receipt number 42\nPaid with thanks in Lisbon', 1],
    ['receipt-scan.jpg', 'image/jpeg', 'Meridian receipt number 42\nPaid with thanks in Lisbon', 1],
  ])('extracts the text of %s (%s) and completes', async (file, type, text, pages) => {
    const { job, document } = await process(file, type);
    expect(job).toMatchObject({ status: 'COMPLETED', progress: 100, attempts: 1, failureReason: null, pageCount: pages });
    expect(job.text).toContain(text);
    expect(document.status).toBe('PROCESSED');
  });

  it('refuses an image declaring more pixels than allowed before decoding it', async () => {
    // A valid PNG header declaring 30000 x 30000 pixels (900 MP): the bomb is never decoded.
    const header = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const bomb = Buffer.concat([header, Buffer.from([0, 0, 0x75, 0x30, 0, 0, 0x75, 0x30, 8, 2, 0, 0, 0]), Buffer.alloc(64)]);
    const viewer = testViewer(randomUUID());
    const upload = await createDocumentUpload(deps, viewer, {
      filename: 'bomb.png',
      contentType: 'image/png',
      size: bomb.length,
    });
    await putUpload(upload, bomb);
    const { document } = upload;
    const job = await submitDocument(deps, viewer, document.id);
    await expect.poll(async () => (await deps.documents.jobsByIds([job.id]))[0]?.status, { timeout: 10_000 }).toBe('FAILED');
    expect((await deps.documents.jobsByIds([job.id]))[0]?.failureReason).toMatch(/30000×30000 pixels; at most 4000000/);
  });

  it('fails a DOCX whose declared sizes lie (a zip bomb) for good while inflating it, the process barely growing', async () => {
    const bomb = await lyingDocx(300 * 1024 * 1024); // declares 1 KB for each part; ~300 KB on disk
    const viewer = testViewer(randomUUID());
    const type = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    const upload = await createDocumentUpload(deps, viewer, {
      filename: 'bomb.docx',
      contentType: type,
      size: bomb.length,
    });
    await putUpload(upload, bomb);
    const { document } = upload;
    const before = globalThis.process.memoryUsage.rss();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, globalThis.process.memoryUsage.rss())), 5);
    try {
      const job = await submitDocument(deps, viewer, document.id);
      await expect.poll(async () => (await deps.documents.jobsByIds([job.id]))[0]?.status, { timeout: 20_000 }).toBe('FAILED');
      peak = Math.max(peak, globalThis.process.memoryUsage.rss());
      const failed = (await deps.documents.jobsByIds([job.id]))[0]!;
      expect(failed.attempts).toBe(1); // permanent: not retried
      expect(failed.failureReason).toBe('The Word document inflates to more than 100 MB; at most 100 MB can be read');
    } finally {
      clearInterval(sampler);
    }
    // JSZip inflates 16 KB of compressed input at a time: up to ~16 MB of output per step, whatever
    // the bomb's size — tens of MB, where the old check let 300 MB (and a 25 MB upload, gigabytes) in.
    expect((peak - before) / 1024 / 1024).toBeLessThan(64);
  }, 30_000);

  it('retries a storage failure with backoff, then fails the job saying why after the last attempt', async () => {
    const viewer = testViewer(randomUUID());
    const body = fixture('receipt.txt');
    const upload = await createDocumentUpload(deps, viewer, {
      filename: 'gone.txt',
      contentType: 'text/plain',
      size: body.length,
    });
    await putUpload(upload, body);
    const { document } = upload;
    // Submitted, not queued yet, with a file the storage has lost: every download fails.
    await deps.documents.submit(
      document.id,
      { fileKey: `documents/lost/${randomUUID()}`, fileEtag: 'lost' },
      { objectKey: document.objectKey, staleAfter: new Date() },
    );
    const [job] = await deps.documents.jobsOf([document.id]);
    await queue.enqueue(job!.id);
    await expect.poll(async () => (await deps.documents.jobsByIds([job!.id]))[0]?.status, { timeout: 10_000 }).toBe('FAILED');
    const failed = (await deps.documents.jobsByIds([job!.id]))[0]!;
    expect(failed.attempts).toBe(3); // every attempt the policy allows
    expect(failed.failureReason).toMatch(/^Gave up after 3 attempts: /);
  });

  it('fails for good a file that changed in storage after it was submitted, without reading it', async () => {
    const viewer = testViewer(randomUUID());
    const body = fixture('receipt.txt');
    const upload = await createDocumentUpload(deps, viewer, {
      filename: 'changed.txt',
      contentType: 'text/plain',
      size: body.length,
    });
    await putUpload(upload, body);
    const job = await submitDocument({ ...deps, queue: undefined }, viewer, upload.document.id); // checked, not queued yet
    const [submitted] = await deps.documents.byIds([upload.document.id]);
    await deps.objects!.put(submitted!.fileKey!, Buffer.alloc(body.length, 'x'), 'text/plain'); // same size and type, other bytes
    await queue.enqueue(job.id);
    await expect.poll(async () => (await deps.documents.jobsByIds([job.id]))[0]?.status, { timeout: 10_000 }).toBe('FAILED');
    expect((await deps.documents.jobsByIds([job.id]))[0]).toMatchObject({
      attempts: 1,
      text: null,
      failureReason: 'The file changed after it was submitted; upload it again as a new document',
    });
  });

  it('ends a corrupt PDF FAILED at once with a reason, without retrying', async () => {
    const { job, document } = await process('corrupt.pdf', 'application/pdf');
    expect(job).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(job.failureReason).toMatch(/The PDF cannot be read .* it may be damaged/);
    expect(document.status).toBe('FAILED');
    expect((await deps.documents.failedJobs(10)).map((j) => j.id)).toContain(job.id); // the admins' dead-letter list
  });

  it('publishes every status and progress change through the outbox', async () => {
    const { job } = await process('receipt.txt', 'text/plain');
    const events = await db.outboxEvent.findMany({
      where: { payload: { path: ['jobId'], equals: job.id } },
      orderBy: { createdAt: 'asc' },
    });
    expect(events.map((e) => (e.payload as { status: string; progress: number }).progress)).toEqual([0, 30, 90, 100]);
    expect(events.at(-1)?.payload).toMatchObject({ status: 'COMPLETED', documentId: job.documentId });
  });

  it('a job delivered twice completes once (the second delivery finds it finished)', async () => {
    const { job } = await process('receipt.txt', 'text/plain');
    await queue.enqueue(job.id);
    await new Promise((r) => setTimeout(r, 200));
    const [again] = await deps.documents.jobsByIds([job.id]);
    expect(again).toMatchObject({ status: 'COMPLETED', attempts: 1 });
  });
});

describe('jobs a dead worker left RUNNING', () => {
  /** A submitted job claimed by a worker that then died: RUNNING, claimed long ago, queued nowhere. */
  async function orphan(claims: number) {
    const viewer = testViewer(randomUUID());
    const body = fixture('receipt.txt');
    const unqueued = { ...deps, queue: undefined };
    const upload = await createDocumentUpload(unqueued, viewer, {
      filename: 'r.txt',
      contentType: 'text/plain',
      size: body.length,
    });
    await putUpload(upload, body);
    const job = await submitDocument(unqueued, viewer, upload.document.id);
    for (let i = 0; i < claims; i += 1) await deps.documents.claimJob(job.id);
    await db.documentJob.update({ where: { id: job.id }, data: { startedAt: new Date(Date.now() - 3_600_000) } });
    return job.id;
  }

  it('are queued again and completed by a live worker, or failed with a reason once workers died on them too often', async () => {
    const [once, tooOften] = [await orphan(1), await orphan(maxClaims)];
    const recovered = await recoverOrphanedJobs({ documents: deps.documents, logger }, queue, new Date(Date.now() - 60_000));
    expect(recovered).toEqual({ requeued: [once], failed: [tooOften] });
    await expect.poll(async () => (await deps.documents.jobsByIds([once]))[0]?.status, { timeout: 15_000 }).toBe('COMPLETED');
    const [failed] = await deps.documents.jobsByIds([tooOften]);
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: expect.stringMatching(/^Processing stopped 4 times/) });
    // A job claimed a moment ago is a live worker's: left alone.
    const fresh = await orphan(1);
    await db.documentJob.update({ where: { id: fresh }, data: { startedAt: new Date() } });
    expect(await recoverOrphanedJobs({ documents: deps.documents, logger }, queue, new Date(Date.now() - 60_000))).toEqual({
      requeued: [],
      failed: [],
    });
  });
});
