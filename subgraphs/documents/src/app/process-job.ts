/**
 * The worker's use case: take a job, download its file, extract the text, record progress, and end
 * COMPLETED — or FAILED with a reason once retrying cannot help. The job row decides: a job taken
 * again after its worker died is claimed anew, and only a RUNNING job can complete, so it completes once.
 */
import { PermanentJobFailure, type FailedJob, type JobQueue, type Logger, type ObjectStore } from '#kit';
import type { DocumentStore } from '../adapters/prisma-document-store.ts';
import { defaultExtractionLimits, extractText, stopOcr, type ExtractionLimits } from '../adapters/text-extractors.ts';
import { defaultMaxDocumentBytes, documentContentType } from '../domain/document.ts';

export interface ProcessDeps {
  documents: DocumentStore;
  objects: ObjectStore;
  logger: Logger;
  limits?: ExtractionLimits;
  maxBytes?: number;
  /** A job taking longer fails for good (a file that makes extraction crawl). Default 2 minutes. */
  timeoutMs?: number;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // The OCR engine may be the one stuck: stop it; the next image starts a fresh one.
      void stopOcr();
      reject(new PermanentJobFailure(`Extraction took longer than ${Math.round(ms / 1000)} s`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Processes job `jobId`. Storage and database errors propagate (the queue retries with backoff);
 * an unreadable file throws {@link PermanentJobFailure} (no retry; see {@link recordFailure}).
 */
export async function processJob(deps: ProcessDeps, jobId: string): Promise<void> {
  const job = await deps.documents.claimJob(jobId);
  if (!job) return; // finished already (a duplicate delivery) or deleted with its document
  const bytes = await deps.objects.getBuffer(job.objectKey, deps.maxBytes ?? defaultMaxDocumentBytes);
  await deps.documents.setProgress(job, 30);
  const extracted = await withTimeout(
    extractText(documentContentType(job.contentType), bytes, deps.limits ?? defaultExtractionLimits),
    deps.timeoutMs ?? 120_000,
  );
  await deps.documents.setProgress(job, 90);
  const completed = await deps.documents.completeJob(job, extracted.text, extracted.pageCount);
  deps.logger.info({ jobId, completed, chars: extracted.text.length }, 'document job processed');
}

/** A job the queue gave up on: FAILED with a reason a person can act on. */
export async function recordFailure(deps: Pick<ProcessDeps, 'documents' | 'logger'>, failed: FailedJob): Promise<void> {
  const reason = failed.permanent ? failed.reason : `Gave up after ${failed.attempts} attempts: ${failed.reason}`;
  await deps.documents.failJob(failed.id, reason);
  deps.logger.warn({ jobId: failed.id, reason }, 'document job failed');
}

/** Starts a worker on `queue`, and queues again every minute the PENDING jobs a crash may have kept from the queue. */
export function startDocumentWorker(deps: ProcessDeps, queue: JobQueue, requeueEveryMs = 60_000) {
  queue.work(
    (id) => processJob(deps, id),
    (failed) => recordFailure(deps, failed),
  );
  const requeue = setInterval(() => {
    deps.documents
      .pendingJobIds(new Date(Date.now() - requeueEveryMs))
      .then((ids) => Promise.all(ids.map((id) => queue.enqueue(id))))
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'requeueing pending jobs failed; will retry'));
  }, requeueEveryMs);
  requeue.unref();
  return {
    stop: () => {
      clearInterval(requeue);
      void stopOcr();
    },
  };
}
