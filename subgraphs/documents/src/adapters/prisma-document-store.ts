/** Documents and their processing jobs in the documents database (Prisma). */
import { afterCursor, newestFirst, outboxEvent, pgAdapter, writeEffects, type Cursor, type OutboxEvent } from '#kit';
import { PrismaClient, type Prisma } from '../__generated__/prisma/client.ts';
import type { Document, DocumentJob, DocumentQuota, JobPoint } from '../domain/document.ts';

/** The client type admits `$on('query')`; events only arrive when created with `log`. */
export type DocumentsDb = PrismaClient<'query'>;

/** A Prisma client on the documents database; `log` enables query events (the batching tests count them). */
export function createDocumentsDb(databaseUrl: string, poolMax?: number, log = false): DocumentsDb {
  return new PrismaClient({
    adapter: pgAdapter(databaseUrl, poolMax),
    log: log ? [{ emit: 'event' as const, level: 'query' as const }] : [],
  });
}

/**
 * A document as seeded (demo data, admin tooling); `createdAt` defaults to now. A submitted one seeded
 * without `fileKey` has its file at `objectKey` (as the documents submitted before files were copied).
 */
export type DocumentSeed = Omit<Document, 'createdAt' | 'fileKey' | 'fileEtag'> &
  Partial<Pick<Document, 'createdAt' | 'fileKey' | 'fileEtag'>>;

/** A job as seeded (demo data, admin tooling); what is left out is stored as null (`createdAt`: now). */
export type JobSeed = Pick<DocumentJob, 'id' | 'documentId' | 'status' | 'progress' | 'attempts'> &
  Partial<Pick<DocumentJob, 'failureReason' | 'text' | 'pageCount' | 'createdAt' | 'finishedAt'>>;

const documentColumns = {
  id: true,
  ownerId: true,
  filename: true,
  contentType: true,
  sizeBytes: true,
  objectKey: true,
  fileKey: true,
  fileEtag: true,
  status: true,
  createdAt: true,
} as const;

const jobColumns = {
  id: true,
  documentId: true,
  status: true,
  progress: true,
  attempts: true,
  failureReason: true,
  text: true,
  pageCount: true,
  createdAt: true,
  finishedAt: true,
} as const;

/** A job as the worker holds it while processing: enough to record and announce its progress. */
export type JobRef = Pick<DocumentJob, 'id' | 'documentId' | 'attempts'> & { ownerId: string };

/** A job just claimed: its reference, and where and what its file is (as submitted: the worker checks it still is). */
export type ClaimedJob = JobRef & { fileKey: string; fileEtag: string | null } & Pick<Document, 'contentType' | 'sizeBytes'>;

/** A job's id and where it is in its life: what a document's watcher compares moves with. */
export type JobPointRow = JobPoint & Pick<DocumentJob, 'id'>;

/**
 * The fence of a worker's writes: the job is RUNNING and `job.attempts` is still its attempt. Each
 * claim counts one more attempt, so a worker whose queue lock expired while it was slow — its job
 * since taken over by another — writes nothing, however late its progress, result or failure come.
 */
const currentAttempt = (job: JobRef) => ({ id: job.id, status: 'RUNNING' as const, attempts: job.attempts });

export interface DocumentStoreOptions {
  /** Called after a transaction that wrote outbox events committed (wakes the outbox relay). */
  onEventsWritten?: () => void;
}

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

/** Marks objects to remove from storage once `removeAfter` has passed; a later mark of the same object wins. */
async function markStale(tx: Prisma.TransactionClient, objects: { objectKey: string; removeAfter: Date }[]): Promise<void> {
  for (const { objectKey, removeAfter } of objects) {
    await tx.staleObject.upsert({ where: { objectKey }, create: { objectKey, removeAfter }, update: { removeAfter } });
  }
}

export function createDocumentStore(db: DocumentsDb, options: DocumentStoreOptions = {}) {
  /**
   * Runs `write` in one transaction; once it committed, wakes the relay unless `write` returned null
   * or false (it wrote no event), so the events leave now rather than at the next poll.
   */
  async function writing<R>(write: (tx: Prisma.TransactionClient) => Promise<R>): Promise<R> {
    const result = await db.$transaction(write);
    if (result !== null && result !== false) options.onEventsWritten?.();
    return result;
  }

  return {
    async byIds(ids: readonly string[]): Promise<Document[]> {
      return db.document.findMany({ where: { id: { in: [...ids] } }, select: documentColumns });
    },

    /** Up to `limit` documents of an owner after `after`, newest first (ask for one more than a page). */
    async byOwner(ownerId: string, limit: number, after: Cursor | null): Promise<Document[]> {
      return db.document.findMany({
        where: { ownerId, ...afterCursor(after) },
        orderBy: newestFirst,
        take: limit,
        select: documentColumns,
      });
    },

    /**
     * The `limit` most recent documents of each of many owners, in one query: a window function
     * ranks each owner's documents, so an owner with thousands costs no more than one with few.
     */
    async recentOfOwners(ownerIds: readonly string[], limit: number): Promise<Document[]> {
      return db.$queryRaw<Document[]>`
        SELECT id::text AS id, owner_id::text AS "ownerId", filename, content_type AS "contentType",
               size_bytes AS "sizeBytes", object_key AS "objectKey", file_key AS "fileKey", file_etag AS "fileEtag",
               status::text AS status, created_at AS "createdAt"
          FROM (SELECT *, row_number() OVER (PARTITION BY owner_id ORDER BY created_at DESC, id DESC) AS rank
                  FROM documents WHERE owner_id = ANY(${[...ownerIds]}::uuid[])) ranked
         WHERE rank <= ${limit}
         ORDER BY owner_id, created_at DESC, id DESC`;
    },

    async jobsByIds(ids: readonly string[]): Promise<DocumentJob[]> {
      return db.documentJob.findMany({ where: { id: { in: [...ids] } }, select: jobColumns });
    },

    /** The jobs of many documents in one query, each document's newest first. */
    async jobsOf(documentIds: readonly string[]): Promise<DocumentJob[]> {
      return db.documentJob.findMany({
        where: { documentId: { in: [...documentIds] } },
        orderBy: newestFirst,
        select: jobColumns,
      });
    },

    /** Where each job of a document is (id, status, progress, attempts): no text, for watchers. */
    async jobPointsOf(documentId: string): Promise<JobPointRow[]> {
      return db.documentJob.findMany({
        where: { documentId },
        select: { id: true, status: true, progress: true, attempts: true },
      });
    },

    /** The newest job of a document, or null when it has none. */
    async latestJobOf(documentId: string): Promise<DocumentJob | null> {
      return db.documentJob.findFirst({ where: { documentId }, orderBy: newestFirst, select: jobColumns });
    },

    /**
     * Records a new document waiting for its upload, unless its owner's documents would then be more
     * than `quota` allows: then nothing is written and the answer says which limit (else null). The
     * owner's documents are counted under a transaction-scoped advisory lock on the owner, so two
     * concurrent uploads of one owner are counted one after the other and cannot both slip under it.
     */
    async createDocumentWithinQuota(document: Document, quota: DocumentQuota): Promise<'documents' | 'bytes' | null> {
      const { createdAt, ...fields } = document;
      return db.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${document.ownerId}, 0))`;
        const [held] = await tx.$queryRaw<{ count: bigint; bytes: bigint | null }[]>`
          SELECT count(*) AS count, sum(size_bytes) AS bytes FROM documents WHERE owner_id = ${document.ownerId}::uuid`;
        if (Number(held!.count) + 1 > quota.maxDocuments) return 'documents';
        if (Number(held!.bytes ?? 0) + document.sizeBytes > quota.maxBytes) return 'bytes';
        await tx.document.create({ data: { ...fields, createdAt } });
        return null;
      });
    },

    /**
     * Marks an UPLOADING document UPLOADED with its submitted file, creates its first PENDING job, and
     * marks the upload's object stale after `uploadStaleAfter` (its URL expired) — in one transaction.
     * Null when the document was no longer UPLOADING (submitted meanwhile).
     */
    async submit(
      documentId: string,
      file: { fileKey: string; fileEtag: string },
      upload: { objectKey: string; staleAfter: Date },
    ): Promise<DocumentJob | null> {
      return db.$transaction(async (tx) => {
        const moved = await tx.document.updateMany({
          where: { id: documentId, status: 'UPLOADING' },
          data: { status: 'UPLOADED', ...file },
        });
        if (moved.count === 0) return null;
        await markStale(tx, [{ objectKey: upload.objectKey, removeAfter: upload.staleAfter }]);
        return tx.documentJob.create({ data: { documentId }, select: jobColumns });
      });
    },

    /** A new PENDING job for a document already submitted. */
    async addJob(documentId: string): Promise<DocumentJob> {
      return db.documentJob.create({ data: { documentId }, select: jobColumns });
    },

    /**
     * Deletes a document and its jobs, and announces it (`document.deleted`: their watchers stop). Its
     * objects are marked stale in the same transaction: the file at once, the upload's object after
     * `uploadStaleAfter` — a PUT to the upload URL until it expires must not leave a file behind.
     */
    async deleteDocument(document: Pick<Document, 'id' | 'objectKey' | 'fileKey'>, uploadStaleAfter: Date): Promise<void> {
      await writing(async (tx) => {
        const jobs = await tx.documentJob.findMany({ where: { documentId: document.id }, select: { id: true } });
        const deleted = await tx.document.deleteMany({ where: { id: document.id } });
        if (deleted.count === 0) return false;
        await markStale(tx, [
          { objectKey: document.objectKey, removeAfter: uploadStaleAfter },
          ...(document.fileKey ? [{ objectKey: document.fileKey, removeAfter: new Date() }] : []),
        ]);
        await writeEffects(tx, {
          announce: [outboxEvent('document.deleted', { documentId: document.id, jobIds: jobs.map((job) => job.id) })],
        });
        return true;
      });
    },

    /** Up to `limit` stale objects due for removal at `now`. */
    async staleObjectsDue(now: Date, limit = 500): Promise<string[]> {
      const rows = await db.staleObject.findMany({
        where: { removeAfter: { lte: now } },
        select: { objectKey: true },
        take: limit,
      });
      return rows.map((row) => row.objectKey);
    },

    /** Forgets stale objects once they are removed from storage. */
    async forgetStaleObjects(objectKeys: readonly string[]): Promise<void> {
      await db.staleObject.deleteMany({ where: { objectKey: { in: [...objectKeys] } } });
    },

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
        await writeEffects(tx, {
          announce: [jobUpdated({ ...claimed, status: 'RUNNING', progress: 0, failureReason: null }, claimed.ownerId)],
        });
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
        await writeEffects(tx, {
          announce: [jobUpdated({ ...job, status: 'RUNNING', progress, failureReason: null }, job.ownerId)],
        });
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
        await writeEffects(tx, {
          announce: [jobUpdated({ ...job, status: 'COMPLETED', progress: 100, failureReason: null }, job.ownerId)],
        });
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
        await writeEffects(tx, {
          announce: [jobUpdated({ ...job, status: 'FAILED', progress, failureReason: reason }, job.ownerId)],
        });
        return true;
      });
    },

    /** The most recent FAILED jobs, newest first. */
    async failedJobs(limit: number): Promise<DocumentJob[]> {
      return db.documentJob.findMany({
        where: { status: 'FAILED' },
        orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }],
        take: limit,
        select: jobColumns,
      });
    },

    /**
     * RUNNING jobs claimed before `startedBefore` — longer ago than any run may take: their worker
     * died (or the queue gave up on them after workers died on them) and nothing runs them any more.
     */
    async orphanedJobs(startedBefore: Date, limit = 100): Promise<JobRef[]> {
      return db.$queryRawUnsafe<JobRef[]>(
        `SELECT j.id::text AS id, j.document_id::text AS "documentId", j.attempts, d.owner_id::text AS "ownerId"
           FROM document_jobs j JOIN documents d ON d.id = j.document_id
          WHERE j.status = 'RUNNING' AND j.started_at < $1 ORDER BY j.started_at LIMIT $2`,
        startedBefore,
        limit,
      );
    },

    /** Ids of PENDING jobs created before `before` (to queue again: a crash may have lost their enqueue). */
    async pendingJobIds(before: Date, limit = 500): Promise<string[]> {
      const rows = await db.documentJob.findMany({
        where: { status: 'PENDING', createdAt: { lt: before } },
        select: { id: true },
        take: limit,
      });
      return rows.map((r) => r.id);
    },

    /** Inserts or replaces a document by id (its jobs stay). */
    async saveDocument(seed: DocumentSeed): Promise<void> {
      const { id, createdAt, ...rest } = seed;
      const fields = {
        ...rest,
        fileKey: rest.fileKey ?? (rest.status === 'UPLOADING' ? null : rest.objectKey),
        fileEtag: rest.fileEtag ?? null,
      };
      const when = createdAt ? { createdAt } : {};
      await db.document.upsert({ where: { id }, create: { id, ...fields, ...when }, update: { ...fields, ...when } });
    },

    /** Inserts or replaces a job by id. */
    async saveJob(seed: JobSeed): Promise<void> {
      const { id, createdAt, ...rest } = seed;
      const fields = {
        ...rest,
        failureReason: rest.failureReason ?? null,
        text: rest.text ?? null,
        pageCount: rest.pageCount ?? null,
        finishedAt: rest.finishedAt ?? null,
      };
      const when = createdAt ? { createdAt } : {};
      await db.documentJob.upsert({ where: { id }, create: { id, ...fields, ...when }, update: { ...fields, ...when } });
    },
  };
}

export type DocumentStore = ReturnType<typeof createDocumentStore>;
