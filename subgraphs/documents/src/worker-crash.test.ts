/**
 * The worker SIGKILLed in the middle of a job, then a new worker: the job is taken over after the
 * queue's lock expires and completes once. Real PostgreSQL, Redis (BullMQ) and an S3-protocol server;
 * the workers are separate processes (`subgraphs/documents/src/worker.ts`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullJobQueue, createLogger, createObjectStore, startEmbeddedS3, type JobQueue } from '#kit';
import { createTestDatabase, testRedisUrl, testViewer, type TestDatabase } from '#kit/testing';
import { waitHealthy } from '../../../packages/stack/src/wait-healthy.ts';
import { createDocumentStore, createDocumentsDb, type DocumentsDb } from './adapters/prisma-document-store.ts';
import { createDocumentUpload, submitDocument, type UploadDeps } from './app/upload-document.ts';
import { documentJobsQueue } from './subgraph.ts';

const root = new URL('../../../', import.meta.url).pathname;
const namespace = `test-worker-${randomUUID().slice(0, 8)}`;
const healthPort = 25_000 + Math.floor(Math.random() * 4000);
const s3Dir = mkdtempSync(join(tmpdir(), 'meridian-crash-s3-'));
let database: TestDatabase;
let db: DocumentsDb;
let s3: Awaited<ReturnType<typeof startEmbeddedS3>>;
let redis: Redis;
let queue: JobQueue;
let deps: UploadDeps;
const workers: ChildProcess[] = [];
let output = '';

beforeAll(async () => {
  database = await createTestDatabase('documents');
  db = createDocumentsDb(database.url, 4);
  s3 = await startEmbeddedS3({ directory: s3Dir, bucket: 'meridian-documents' });
  redis = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
  queue = createBullJobQueue(documentJobsQueue, redis, createLogger('test', 'silent'), { prefix: namespace });
  deps = { documents: createDocumentStore(db), objects: createObjectStore(s3.config), queue };
});
afterAll(async () => {
  for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
  await queue.close();
  const keys = await redis.keys(`${namespace}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await db.$disconnect();
  await database.drop();
  await s3.stop();
  rmSync(s3Dir, { recursive: true, force: true });
});

function startWorker(): ChildProcess {
  const worker = spawn(process.execPath, ['--import', 'tsx', join(root, 'subgraphs/documents/src/worker.ts')], {
    cwd: root,
    env: {
      ...(process.env as Record<string, string>),
      LOG_LEVEL: 'warn',
      DOCUMENTS_DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl,
      EVENTS_NAMESPACE: namespace,
      S3_ENDPOINT: `http://127.0.0.1:${s3.config.port}`,
      S3_ACCESS_KEY: s3.config.accessKey,
      S3_SECRET_KEY: s3.config.secretKey,
      S3_BUCKET: s3.config.bucket,
      WORKER_HEALTH_PORT: String(healthPort),
      WORKER_LOCK_MS: '2000',
      WORKER_CONCURRENCY: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  worker.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  workers.push(worker);
  return worker;
}

/** A text PDF of `pages` pages, each with a line of text: long enough to extract to kill a worker in it. */
function manyPagePdf(pages: number): Buffer {
  // Objects: 1 catalog, 2 page tree, 3 font, then per page a content stream (4 + 2i) and a page (5 + 2i).
  const pageIds = Array.from({ length: pages }, (_, i) => 5 + 2 * i);
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages} >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  for (let i = 0; i < pages; i += 1) {
    const content = `BT /F1 12 Tf 72 720 Td (Meridian page ${i + 1} of the ledger) Tj ET`;
    objects.push(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${4 + 2 * i} 0 R /Resources << /Font << /F1 3 0 R >> >> >>`,
    );
  }
  let out = '%PDF-1.4\n';
  const offsets = objects.map((object, i) => {
    const offset = Buffer.byteLength(out);
    out += `${i + 1} 0 obj\n${object}\nendobj\n`;
    return offset;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const jobRow = (id: string) => db.documentJob.findUniqueOrThrow({ where: { id } });

describe('a worker killed in the middle of a job', () => {
  it('SIGKILL while RUNNING, then a new worker: the job completes once', async () => {
    const viewer = testViewer(randomUUID());
    const body = manyPagePdf(400);
    const { document, uploadUrl } = await createDocumentUpload(deps, viewer, {
      filename: 'ledger.pdf',
      contentType: 'application/pdf',
      size: body.length,
    });
    expect((await fetch(uploadUrl, { method: 'PUT', body })).status).toBe(200);

    const first = startWorker();
    await waitHealthy(`http://127.0.0.1:${healthPort}/health`, { timeoutMs: 60_000, process: first, describe: () => output });
    const job = await submitDocument(deps, viewer, document.id);
    for (let i = 0; i < 400 && (await jobRow(job.id)).status !== 'RUNNING'; i += 1) await new Promise((r) => setTimeout(r, 10));
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect(await jobRow(job.id)).toMatchObject({ status: 'RUNNING', attempts: 1 }); // killed mid-job

    const second = startWorker();
    await waitHealthy(`http://127.0.0.1:${healthPort}/health`, { timeoutMs: 60_000, process: second, describe: () => output });
    for (let i = 0; i < 600 && (await jobRow(job.id)).status === 'RUNNING'; i += 1) await new Promise((r) => setTimeout(r, 50));
    const done = await jobRow(job.id);
    expect(done).toMatchObject({ status: 'COMPLETED', attempts: 2, pageCount: 400 });
    expect(done.text).toContain('Meridian page 400 of the ledger');
    const completions = await db.outboxEvent.findMany({ where: { payload: { path: ['jobId'], equals: job.id } } });
    expect(completions.filter((e) => (e.payload as { status: string }).status === 'COMPLETED')).toHaveLength(1);
  }, 120_000);
});
