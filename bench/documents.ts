/**
 * `npm run bench documents` — one documents worker process and a batch of jobs submitted at once: text
 * PDFs, then receipt images by OCR (see run.ts).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { dropDatabase } from '#kit/database';
import { createLogger } from '#kit/logger';
import { createObjectStore } from '../subgraphs/documents/src/index.ts';
import { putUpload } from '#kit/testing';
import { startTestS3 } from '../subgraphs/documents/src/index.ts';
import {
  createBullJobQueue,
  createDocumentStore,
  createDocumentsDb,
  createDocumentUpload,
  submitDocument,
  documentJobsQueue,
} from '../subgraphs/documents/src/index.ts';
import { textPdf } from '../subgraphs/documents/test-fixtures/text-pdf.ts';
import { cpuSeconds, node, pct, root } from './processes.ts';
import { base, cleanups, dropNamespace, eventsNamespace, freshBenchDatabase, named, redisUrl } from './services.ts';
import { waitHealthy } from '#kit/wait-healthy';

export async function documentsScenario() {
  const jobs = Number(process.env.BENCH_JOBS ?? 40);
  const databaseUrl = await freshBenchDatabase('documents');
  const s3 = await startTestS3();
  cleanups.push(async () => {
    await s3.stop();
    await dropDatabase(databaseUrl);
    await dropNamespace();
  });
  const healthPort = base + 7;
  const worker = node('subgraphs/documents/src/worker.ts', [], {
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    REDIS_URL: redisUrl,
    EVENTS_NAMESPACE: eventsNamespace,
    DOCUMENTS_DATABASE_URL: databaseUrl,
    ...s3.env,
    WORKER_HEALTH_PORT: String(healthPort),
  });
  named.set('worker', worker);
  await waitHealthy(`http://127.0.0.1:${healthPort}/health`);

  const db = createDocumentsDb(databaseUrl, 4);
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = createBullJobQueue(documentJobsQueue, connection, createLogger('bench', 'silent'), { prefix: eventsNamespace });
  const deps = { documents: createDocumentStore(db), objects: createObjectStore(s3.config), queue };
  const concurrency = process.env.WORKER_CONCURRENCY ?? '2';
  console.log(`scenario documents: one worker process (concurrency ${concurrency}), ${jobs} jobs submitted at once per kind`);

  const run = async (label: string, filename: string, contentType: string, body: Buffer, count = jobs) => {
    const uploads = await Promise.all(
      Array.from({ length: count }, async () => {
        const viewer = { id: randomUUID(), roles: ['CUSTOMER' as const], scopes: ['customer'], isAdmin: false, token: '' };
        const upload = await createDocumentUpload(deps, viewer, { filename, contentType, size: body.length });
        const { document } = upload;
        const put = await putUpload(upload, body);
        if (!put.ok) throw new Error(`upload failed: ${put.status}`);
        return { viewer, document };
      }),
    );
    const cpuBefore = cpuSeconds(worker.pid!);
    const started = performance.now();
    const submitted = new Map<string, number>();
    for (const { viewer, document } of uploads) {
      submitted.set((await submitDocument(deps, viewer, document.id)).id, performance.now());
    }
    const done = new Map<string, number>();
    while (done.size < submitted.size && performance.now() - started < 600_000) {
      const rows = await db.documentJob.findMany({
        where: { id: { in: [...submitted.keys()].filter((id) => !done.has(id)) }, status: { in: ['COMPLETED', 'FAILED'] } },
        select: { id: true, status: true, failureReason: true },
      });
      for (const row of rows) {
        if (row.status === 'FAILED') throw new Error(`job failed: ${row.failureReason}`);
        done.set(row.id, performance.now());
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    const elapsed = (Math.max(...done.values()) - started) / 1000;
    const latencies = [...done].map(([id, at]) => at - submitted.get(id)!).sort((a, b) => a - b);
    console.log(
      `${label.padEnd(34)} ${done.size}/${count} COMPLETED in ${elapsed.toFixed(1)} s: ${((done.size * 60) / elapsed).toFixed(0)} jobs/min; ` +
        `submit -> COMPLETED p50 ${(pct(latencies, 50) / 1000).toFixed(2)} s p99 ${(pct(latencies, 99) / 1000).toFixed(2)} s ` +
        `(includes the wait behind the batch); worker CPU ${(((cpuSeconds(worker.pid!) - cpuBefore) * 1000) / count).toFixed(0)} ms/job`,
    );
  };
  const receipt = readFileSync(join(root, 'subgraphs/documents/test-fixtures/receipt-scan.png'));
  // ~1 MB of text: 228 pages of 40 lines of 100 characters.
  const line = 'Meridian ledger line with an amount of 99.90 EUR and a reference to keep the text going on, line';
  const pages = 228;
  const pdf = textPdf(
    Array.from({ length: pages }, () => Array.from({ length: 40 }, (_, i) => `${line} ${String(i).padStart(2, '0')}`)),
    9,
  );

  await run('warm-up (5 receipts)', 'warm.png', 'image/png', receipt, 5);
  await run(`text PDF (${(pdf.length / 1024 / 1024).toFixed(2)} MB, ${pages} pages)`, 'ledger.pdf', 'application/pdf', pdf);
  await run('receipt image by OCR (900x170 PNG)', 'receipt.png', 'image/png', receipt);
  await queue.close();
  connection.disconnect();
  await db.$disconnect();
}
