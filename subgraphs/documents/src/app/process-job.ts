/**
 * The worker's use case: take a job, download its file, extract the text, record progress, and end
 * COMPLETED — or FAILED with a reason once retrying cannot help. The job row decides: each claim is a
 * new attempt, and the store takes a write only from the job's current attempt, so a worker that
 * lost the job (its queue lock expired while it was slow, and another took it over) changes nothing,
 * and a job completes once.
 */
import type { Logger } from '#kit/logger';
import {
  isFinalFailure,
  PermanentJobFailure,
  type ClaimedJob,
  type DocumentStore,
  type JobAttempt,
  type JobQueue,
  type ObjectStore,
  type TextExtractor,
} from '../ports.ts';
import { removeStaleObjects } from './upload-document.ts';
import { defaultMaxDocumentBytes, documentContentType, sniffBytes, sniffContentType } from '../domain/document.ts';

/** How long one run of a job may take by default before it fails for good. */
export const defaultJobTimeoutMs = 120_000;

export interface ProcessDeps {
  documents: DocumentStore;
  objects: ObjectStore;
  /** Text out of the files, within its limits. */
  extractor: TextExtractor;
  logger: Logger;
  maxBytes?: number;
  /** A job taking longer fails for good (a file that makes extraction crawl). Default 2 minutes. */
  timeoutMs?: number;
}

function withTimeout<T>(work: Promise<T>, ms: number, extractor: TextExtractor): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // The OCR engine may be the one stuck: stop it; the next image starts a fresh one.
      void extractor.stop();
      reject(new PermanentJobFailure(`Extraction took longer than ${Math.round(ms / 1000)} s`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The file's bytes when they are still the ones submitted — same ETag, size and real type — or
 * {@link PermanentJobFailure}. No upload URL can write the submitted copy; this holds the worker to
 * what was checked even if something else with access to the bucket changed it.
 */
function assertAsSubmitted(job: ClaimedJob, file: { bytes: Buffer; etag: string }): Buffer {
  const unchanged =
    (job.fileEtag === null || file.etag === job.fileEtag) &&
    file.bytes.length === job.sizeBytes &&
    sniffContentType(file.bytes.subarray(0, sniffBytes)) === documentContentType(job.contentType);
  if (!unchanged) throw new PermanentJobFailure('The file changed after it was submitted; upload it again as a new document');
  return file.bytes;
}

/**
 * Processes job `jobId` in the queue's `attempt`. Storage and database errors propagate (the queue
 * retries with backoff; one that says the storage or the database is away spends no attempt); an
 * unreadable file throws {@link PermanentJobFailure} (no retry). A failure
 * for good — permanent, or in the last attempt — is recorded (FAILED with a reason a person can act
 * on) by this attempt, fenced like its other writes.
 */
export async function processJob(deps: ProcessDeps, jobId: string, attempt: JobAttempt): Promise<void> {
  const job = await deps.documents.claimJob(jobId);
  if (!job) return; // finished already (a duplicate delivery) or deleted with its document
  try {
    const bytes = assertAsSubmitted(job, await deps.objects.download(job.fileKey, deps.maxBytes ?? defaultMaxDocumentBytes));
    await deps.documents.setProgress(job, 30);
    const extracted = await withTimeout(
      deps.extractor.extract(documentContentType(job.contentType), bytes),
      deps.timeoutMs ?? defaultJobTimeoutMs,
      deps.extractor,
    );
    await deps.documents.setProgress(job, 90);
    const completed = await deps.documents.completeJob(job, extracted.text, extracted.pageCount);
    deps.logger.info({ jobId, attempt: job.attempts, completed, chars: extracted.text.length }, 'document job processed');
  } catch (error) {
    const permanent = error instanceof PermanentJobFailure;
    if (isFinalFailure(error, attempt)) {
      const reason = permanent ? error.message : `Gave up after ${attempt.number} attempts: ${(error as Error).message}`;
      if (await deps.documents.failJob(job, reason)) deps.logger.warn({ jobId, reason }, 'document job failed');
    }
    throw error;
  }
}

/** Claims of one job (runs its worker died in, or was still in) after which it fails for good. */
export const maxClaims = 4;

/**
 * Jobs left RUNNING by workers that died — a crash, an out-of-memory kill, or a file that kills the
 * worker every time (the queue then gives up without a word): queued again to be claimed anew, or,
 * after {@link maxClaims} claims, FAILED with a reason (fenced by the claim, like the worker's own
 * writes: a worker that was only slow and writes first wins). Resolves to what it did.
 */
export async function recoverOrphanedJobs(
  deps: Pick<ProcessDeps, 'documents' | 'logger'>,
  queue: JobQueue,
  startedBefore: Date,
): Promise<{ requeued: string[]; failed: string[] }> {
  const requeued: string[] = [];
  const failed: string[] = [];
  for (const job of await deps.documents.orphanedJobs(startedBefore)) {
    if (job.attempts >= maxClaims) {
      const reason = `Processing stopped ${job.attempts} times without finishing (the worker died on this file); upload it again or contact support`;
      if (await deps.documents.failJob(job, reason)) failed.push(job.id);
    } else {
      await queue.enqueue(job.id);
      requeued.push(job.id);
    }
  }
  if (requeued.length + failed.length > 0) deps.logger.warn({ requeued, failed }, 'document jobs left running by a dead worker');
  return { requeued, failed };
}

/**
 * Starts a worker on `queue`, and every minute queues again the PENDING jobs a crash may have kept
 * from the queue, recovers the RUNNING jobs a dead worker left ({@link recoverOrphanedJobs}: a job
 * claimed longer ago than twice its timeout) and removes the stale objects that are due
 * ({@link removeStaleObjects}).
 */
export function startDocumentWorker(deps: ProcessDeps, queue: JobQueue, everyMs = 60_000) {
  queue.work((id, attempt) => processJob(deps, id, attempt));
  const orphanAfterMs = 2 * (deps.timeoutMs ?? defaultJobTimeoutMs);
  const housekeeping = setInterval(() => {
    deps.documents
      .pendingJobIds(new Date(Date.now() - everyMs))
      .then((ids) => Promise.all(ids.map((id) => queue.enqueue(id))))
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'requeueing pending jobs failed; will retry'));
    recoverOrphanedJobs(deps, queue, new Date(Date.now() - orphanAfterMs)).catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'recovering orphaned jobs failed; will retry'),
    );
    removeStaleObjects(deps).catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'removing stale objects failed; will retry'),
    );
  }, everyMs);
  housekeeping.unref();
  return {
    stop: () => {
      clearInterval(housekeeping);
      void deps.extractor.stop();
    },
  };
}
