/**
 * The worker's writes on a job: claiming it, and recording the progress, result or failure of its
 * current attempt — each with its `document.job.updated` in the same transaction.
 */
import { outboxEvent, writeOutbox, type OutboxEvent } from '#kit/outbox';
import type { Prisma } from '../__generated__/prisma/client.ts';
import type { DocumentJob } from '../domain/document.ts';
import type { ClaimedJob, JobRef } from '../ports.ts';

/**
 * The fence of a worker's writes: the job is RUNNING and `job.attempts` is still its attempt. Each
 * claim counts one more attempt, so a worker whose queue lock expired while it was slow — its job
 * since taken over by another — writes nothing, however late its progress, result or failure come.
 */
const currentAttempt = (job: JobRef) => ({ id: job.id, status: 'RUNNING' as const, attempts: job.attempts });

/**
 * `document.job.updated`: what a subscriber needs to show a job's progress. `attempts` orders the
 * moves of a retried job, whose progress starts again from 0.
 */
function jobUpdated(
  job: Pick<DocumentJob, 'id' | 'documentId' | 'status' | 'progress' | 'attempts' | 'failureReason'>,
  ownerId: string,
): OutboxEvent {
  return outboxEvent('document.job.updated', {
    jobId: job.id,
    documentId: job.documentId,
    ownerId,
    status: job.status,
    progress: job.progress,
    attempts: job.attempts,
    failureReason: job.failureReason,
    at: new Date().toISOString(),
  });
}

/** `write` runs in one transaction, and wakes the relay once committed unless it returned null or false. */
export type Writing = <R>(write: (tx: Prisma.TransactionClient) => Promise<R>) => Promise<R>;

export function jobAttempts(writing: Writing) {
  return {
    /**
     * Takes a job for processing: PENDING (or RUNNING, when its worker died) becomes RUNNING with one
     * more attempt, and its document PROCESSING. Null when the job is finished or gone: nothing to do.
     */
    async claimJob(jobId: string): Promise<ClaimedJob | null> {
      return writing(async (tx) => {
        // One statement moves the job and its document, and returns what the worker needs of both.
        const [claimed] = await tx.$queryRawUnsafe<ClaimedJob[]>(
          `WITH job AS (
             UPDATE document_jobs SET status = 'RUNNING', attempts = attempts + 1, progress = 0, started_at = now()
              WHERE id = $1::uuid AND status IN ('PENDING', 'RUNNING') RETURNING id, document_id, attempts)
           UPDATE documents d SET status = 'PROCESSING', updated_at = now() FROM job WHERE d.id = job.document_id
           RETURNING job.id::text AS id, job.document_id::text AS "documentId", job.attempts, d.owner_id::text AS "ownerId",
                     d.file_key AS "fileKey", d.file_etag AS "fileEtag", d.content_type AS "contentType", d.size_bytes AS "sizeBytes"`,
          jobId,
        );
        if (!claimed) return null;
        await writeOutbox(tx, [jobUpdated({ ...claimed, status: 'RUNNING', progress: 0, failureReason: null }, claimed.ownerId)]);
        return claimed;
      });
    },

    /**
     * Records the progress (0..100) of a RUNNING job. Like every write of an attempt, it is fenced:
     * nothing changes unless `job.attempts` is still the job's current attempt (see {@link currentAttempt}).
     */
    async setProgress(job: JobRef, progress: number): Promise<void> {
      await writing(async (tx) => {
        const changed = await tx.documentJob.updateMany({ where: currentAttempt(job), data: { progress } });
        if (changed.count === 0) return false;
        await writeOutbox(tx, [jobUpdated({ ...job, status: 'RUNNING', progress, failureReason: null }, job.ownerId)]);
        return true;
      });
    },

    /**
     * Ends the job's current attempt COMPLETED with its text, and its document PROCESSED. False when
     * `job` is not the current attempt (finished, or taken over by another worker meanwhile): a job
     * completes once, by the attempt that holds it.
     */
    async completeJob(job: JobRef, text: string, pageCount: number | null): Promise<boolean> {
      return writing(async (tx) => {
        const done = await tx.documentJob.updateMany({
          where: currentAttempt(job),
          data: { status: 'COMPLETED', progress: 100, text, pageCount, failureReason: null, finishedAt: new Date() },
        });
        if (done.count === 0) return false;
        await tx.document.update({ where: { id: job.documentId }, data: { status: 'PROCESSED' } });
        await writeOutbox(tx, [jobUpdated({ ...job, status: 'COMPLETED', progress: 100, failureReason: null }, job.ownerId)]);
        return true;
      });
    },

    /** Ends the job's current attempt FAILED with `reason`, and its document FAILED. False when `job` is not the current attempt. */
    async failJob(job: JobRef, reason: string): Promise<boolean> {
      return writing(async (tx) => {
        const failed = await tx.documentJob.updateMany({
          where: currentAttempt(job),
          data: { status: 'FAILED', failureReason: reason, finishedAt: new Date() },
        });
        if (failed.count === 0) return false;
        await tx.document.update({ where: { id: job.documentId }, data: { status: 'FAILED' } });
        const { progress } = await tx.documentJob.findUniqueOrThrow({ where: { id: job.id }, select: { progress: true } });
        await writeOutbox(tx, [jobUpdated({ ...job, status: 'FAILED', progress, failureReason: reason }, job.ownerId)]);
        return true;
      });
    },
  };
}
