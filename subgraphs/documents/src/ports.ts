/**
 * The boundaries the documents use cases need: the documents database (adapters/prisma-document-store.ts),
 * the work queue that carries job ids to the worker (adapters/job-queue.ts: BullMQ or in-process), the
 * object storage that holds the files (adapters/object-store.ts: MinIO/S3 or the embedded S3 server)
 * and the text extraction (adapters/text-extractors.ts).
 */
import { failureKindOf } from '#kit/failures';
import type { Cursor } from '#kit/pagination';
import type { AllowedContentType, Document, DocumentJob, DocumentQuota, JobPoint } from './domain/document.ts';

/**
 * A document as seeded (demo data, admin tooling); `createdAt` defaults to now. A submitted one seeded
 * without `fileKey` has its file at `objectKey` (as the documents submitted before files were copied).
 */
export type DocumentSeed = Omit<Document, 'createdAt' | 'fileKey' | 'fileEtag'> &
  Partial<Pick<Document, 'createdAt' | 'fileKey' | 'fileEtag'>>;

/** A job as seeded (demo data, admin tooling); what is left out is stored as null (`createdAt`: now). */
export type JobSeed = Pick<DocumentJob, 'id' | 'documentId' | 'status' | 'progress' | 'attempts'> &
  Partial<Pick<DocumentJob, 'failureReason' | 'text' | 'pageCount' | 'createdAt' | 'finishedAt'>>;

/** A job as the worker holds it while processing: enough to record and announce its progress. */
export type JobRef = Pick<DocumentJob, 'id' | 'documentId' | 'attempts'> & { ownerId: string };

/** A job just claimed: its reference, and where and what its file is (as submitted: the worker checks it still is). */
export type ClaimedJob = JobRef & { fileKey: string; fileEtag: string | null } & Pick<Document, 'contentType' | 'sizeBytes'>;

/** A job's id and where it is in its life: what a document's watcher compares moves with. */
export type JobPointRow = JobPoint & Pick<DocumentJob, 'id'>;

/** Documents, their jobs and the objects to remove from storage; see the adapter for how each write is made. */
export interface DocumentStore {
  // Reads: the resolvers, loaders and watchers.
  byIds(ids: readonly string[]): Promise<Document[]>;
  /** Up to `limit` documents of an owner after `after`, newest first (ask for one more than a page). */
  byOwner(ownerId: string, limit: number, after: Cursor | null): Promise<Document[]>;
  /** The `limit` most recent documents of each of many owners, in one query. */
  recentOfOwners(ownerIds: readonly string[], limit: number): Promise<Document[]>;
  jobsByIds(ids: readonly string[]): Promise<DocumentJob[]>;
  /** The jobs of many documents in one query, each document's newest first. */
  jobsOf(documentIds: readonly string[]): Promise<DocumentJob[]>;
  /** Where each job of a document is (id, status, progress, attempts): no text, for watchers. */
  jobPointsOf(documentId: string): Promise<JobPointRow[]>;
  /** The newest job of a document, or null when it has none. */
  latestJobOf(documentId: string): Promise<DocumentJob | null>;
  /** The most recent FAILED jobs, newest first. */
  failedJobs(limit: number): Promise<DocumentJob[]>;
  /** RUNNING jobs claimed before `startedBefore`: their worker died and nothing runs them any more. */
  orphanedJobs(startedBefore: Date, limit?: number): Promise<JobRef[]>;
  /** Ids of PENDING jobs created before `before` (to queue again: a crash may have lost their enqueue). */
  pendingJobIds(before: Date, limit?: number): Promise<string[]>;

  // The worker's writes on a job, each fenced by the attempt it holds and announced (`document.job.updated`).
  /** Takes a job for processing (one more attempt); null when the job is finished or gone. */
  claimJob(jobId: string): Promise<ClaimedJob | null>;
  /** Records the progress (0..100) of the job's current attempt. */
  setProgress(job: JobRef, progress: number): Promise<void>;
  /** Ends the job's current attempt COMPLETED with its text; false when `job` is not the current attempt. */
  completeJob(job: JobRef, text: string, pageCount: number | null): Promise<boolean>;
  /** Ends the job's current attempt FAILED with `reason`; false when `job` is not the current attempt. */
  failJob(job: JobRef, reason: string): Promise<boolean>;

  // A document's life outside the worker.
  /** Records a new document unless its owner's documents would then exceed `quota`: then which limit. */
  createDocumentWithinQuota(document: Document, quota: DocumentQuota): Promise<'documents' | 'bytes' | null>;
  /** Marks an UPLOADING document UPLOADED with its file and creates its first job; null when no longer UPLOADING. */
  submit(
    documentId: string,
    file: { fileKey: string; fileEtag: string },
    upload: { objectKey: string; staleAfter: Date },
  ): Promise<DocumentJob | null>;
  /** A new PENDING job for a document already submitted. */
  addJob(documentId: string): Promise<DocumentJob>;
  /** Deletes a document and its jobs, announces it, and marks its objects stale. */
  deleteDocument(document: Pick<Document, 'id' | 'objectKey' | 'fileKey'>, uploadStaleAfter: Date): Promise<void>;
  /** Up to `limit` stale objects due for removal at `now`. */
  staleObjectsDue(now: Date, limit?: number): Promise<string[]>;
  /** Forgets stale objects once they are removed from storage. */
  forgetStaleObjects(objectKeys: readonly string[]): Promise<void>;

  // Demo data and admin tooling.
  /** Inserts or replaces a document by id (its jobs stay). */
  saveDocument(seed: DocumentSeed): Promise<void>;
  /** Inserts or replaces a job by id. */
  saveJob(seed: JobSeed): Promise<void>;
}

/** Which run of a job a handler is in. */
export interface JobAttempt {
  /** 1 for the first run, one more for each retry after a failure. */
  number: number;
  /**
   * True when this run is the last the queue allows (see {@link isFinalFailure}: a transient failure
   * spends no attempt, so even the last run's may not be final).
   */
  last: boolean;
}

export type JobHandler = (id: string, attempt: JobAttempt) => Promise<void>;

/** A queue of job ids (the database row is the truth): BullMQ on Redis, or in-process. */
export interface JobQueue {
  enqueue(id: string): Promise<void>;
  /** Starts working: `handler` runs for each job. */
  work(handler: JobHandler): void;
  close(): Promise<void>;
}

/**
 * A failure retrying cannot fix (a corrupt file, an unsupported format): a queue does not run the job
 * again (BullMQ's adapter hands it to BullMQ as its `UnrecoverableError`).
 */
export class PermanentJobFailure extends Error {
  override readonly name = 'PermanentJobFailure';
}

/**
 * True when the queue will not run the job again after this run failed with `error`: a permanent
 * failure, or the last attempt failing for any reason but an unavailable dependency. What a handler
 * asks before recording a failure for good.
 */
export function isFinalFailure(error: unknown, attempt: JobAttempt): boolean {
  if (error instanceof PermanentJobFailure) return true;
  return attempt.last && failureKindOf(error) !== 'transient';
}

/** What an object is: its size, type (when stored with one) and ETag (changes whenever its bytes do). */
export interface ObjectInfo {
  size: number;
  contentType: string | undefined;
  etag: string;
}

/** A presigned upload: send the bytes to `url` with `PUT` and exactly `headers`. */
export interface PresignedUpload {
  url: string;
  /** Signed into the URL: the storage refuses the upload without them, or with other values. */
  headers: Record<string, string>;
}

/** The files: uploads, their submitted copies, downloads — what the use cases do with the object storage. */
export interface ObjectStore {
  /** Size, type and ETag of an object, or null when it does not exist. */
  stat(key: string): Promise<ObjectInfo | null>;
  /** The first `bytes` bytes of an object (fewer when it is shorter): enough to tell its real type. */
  head(key: string, bytes: number): Promise<Buffer>;
  /** A whole object in memory with the ETag of the bytes served; refuses (throws) beyond `maxBytes`. */
  download(key: string, maxBytes: number): Promise<{ bytes: Buffer; etag: string }>;
  /** Copies an object inside the storage (the bytes do not pass through here). */
  copy(from: string, to: string): Promise<void>;
  /** Removes an object; removing one that does not exist is not an error. */
  remove(key: string): Promise<void>;
  /** A presigned PUT, valid `seconds`, that accepts exactly `contentLength` bytes of `contentType`. */
  presignedUpload(key: string, seconds: number, file: { contentType: string; contentLength: number }): PresignedUpload;
  /** A presigned GET, valid `seconds`, answered as a download of `filename` typed `contentType`. */
  presignedDownload(key: string, seconds: number, file: { filename: string; contentType: string }): Promise<string>;
}

/** The text of a file, and its number of pages when it has pages. */
export interface Extracted {
  text: string;
  pageCount: number | null;
}

/** Text out of files, within limits that keep a hostile file from exhausting the worker. */
export interface TextExtractor {
  /** The text of a file of type `type`; a file that cannot be read throws {@link PermanentJobFailure}. */
  extract(type: AllowedContentType, bytes: Buffer): Promise<Extracted>;
  /** Stops what the extraction keeps running (the OCR engine): at shutdown, or after a job it was stuck on. */
  stop(): Promise<void>;
}
