/** The documents queries: by id and owner for the resolvers, jobs for loaders and watchers, and the worker's looks. */
import { afterCursor, newestFirst, type Cursor } from '#kit/pagination';
import type { Document, DocumentJob } from '../domain/document.ts';
import type { JobPointRow, JobRef } from '../ports.ts';
import type { DocumentsDb } from './prisma-document-store.ts';

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

export const jobColumns = {
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

export function documentReads(db: DocumentsDb) {
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
  };
}
