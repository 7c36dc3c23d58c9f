/** Documents and their processing jobs in the documents database (Prisma). */
import { pgAdapter } from '#kit/database';
import { outboxEvent, writeOutbox } from '#kit/outbox';
import { PrismaClient, type Prisma } from '../__generated__/prisma/client.ts';
import type { Document, DocumentJob, DocumentQuota } from '../domain/document.ts';
import type { DocumentSeed, DocumentStore, JobSeed } from '../ports.ts';
import { jobAttempts, type Writing } from './document-job-attempts.ts';
import { documentReads, jobColumns } from './document-reads.ts';

/** The client type admits `$on('query')`; events only arrive when created with `log`. */
export type DocumentsDb = PrismaClient<'query'>;

/** A Prisma client on the documents database; `log` enables query events (the batching tests count them). */
export function createDocumentsDb(databaseUrl: string, poolMax?: number, log = false): DocumentsDb {
  return new PrismaClient({
    adapter: pgAdapter(databaseUrl, poolMax),
    log: log ? [{ emit: 'event' as const, level: 'query' as const }] : [],
  });
}

export interface DocumentStoreOptions {
  /** Called after a transaction that wrote outbox events committed (wakes the outbox relay). */
  onEventsWritten?: () => void;
}

/** Marks objects to remove from storage once `removeAfter` has passed; a later mark of the same object wins. */
async function markStale(tx: Prisma.TransactionClient, objects: { objectKey: string; removeAfter: Date }[]): Promise<void> {
  for (const { objectKey, removeAfter } of objects) {
    await tx.staleObject.upsert({ where: { objectKey }, create: { objectKey, removeAfter }, update: { removeAfter } });
  }
}

/** The document store on the documents database. */
export function createDocumentStore(db: DocumentsDb, options: DocumentStoreOptions = {}): DocumentStore {
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
    ...documentReads(db),
    ...jobAttempts(writing),
    ...documentLifecycle(db, writing),
    ...documentSeeding(db),
  };
}

/** A document's life outside the worker: created within its owner's quota, submitted, deleted, its objects cleaned up. */
function documentLifecycle(db: DocumentsDb, writing: Writing) {
  return {
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
        await writeOutbox(tx, [outboxEvent('document.deleted', { documentId: document.id, jobIds: jobs.map((job) => job.id) })]);
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
  };
}

/** Idempotent writes for demo data and admin tooling. */
function documentSeeding(db: DocumentsDb) {
  return {
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
