/**
 * Use cases of a document's life before and around processing: ask for an upload URL, submit the
 * uploaded file (checked for presence, size and real type), download it, process it again, delete it.
 * The client sends the bytes straight to object storage with a presigned PUT: they never pass
 * through the API.
 */
import { randomUUID } from 'node:crypto';
import {
  badInput,
  canSee,
  DomainError,
  isUuid,
  notFound,
  requireViewer,
  type JobQueue,
  type ObjectStore,
  type Viewer,
} from '#kit';
import type { DocumentStore } from '../adapters/prisma-document-store.ts';
import {
  assertDeclaredType,
  defaultMaxDocumentBytes,
  documentContentType,
  newDocument,
  sniffBytes,
  type Document,
  type DocumentJob,
} from '../domain/document.ts';

export interface UploadDeps {
  documents: DocumentStore;
  /** Where submitted jobs are queued for the worker (a PENDING job is also queued again by the worker's sweep). */
  queue?: JobQueue;
  /** Absent when the process has no object storage configured: every file operation then fails. */
  objects?: ObjectStore;
  maxBytes?: number;
  now?: () => Date;
}

/** How long a presigned upload URL stays valid. */
export const uploadUrlTtlSeconds = 15 * 60;
/** How long a presigned download URL stays valid. */
export const downloadUrlTtlSeconds = 5 * 60;

function storage(deps: UploadDeps): ObjectStore {
  if (!deps.objects) throw new Error('object storage is not configured for the documents subgraph');
  return deps.objects;
}

/** The viewer's (or, for an admin, any) document; NOT_FOUND otherwise — someone else's is indistinguishable from none. */
async function ownDocument(deps: UploadDeps, viewer: Viewer | null, id: string): Promise<Document> {
  const who = requireViewer(viewer);
  const [document] = await deps.documents.byIds(isUuid(id) ? [id] : []);
  if (!document || !canSee(who, document.ownerId)) throw notFound('The document');
  return document;
}

/**
 * A new document (UPLOADING) and a presigned PUT URL to upload its bytes to, valid 15 minutes.
 * BAD_USER_INPUT for a type the worker cannot read, an empty or too large file, or a bad filename.
 */
export async function createDocumentUpload(
  deps: UploadDeps,
  viewer: Viewer | null,
  input: { filename: string; contentType: string; size: number },
): Promise<{ document: Document; uploadUrl: string; expiresAt: Date }> {
  const owner = requireViewer(viewer);
  const now = deps.now?.() ?? new Date();
  const document = newDocument(
    { ownerId: owner.id, filename: input.filename, contentType: input.contentType, sizeBytes: input.size },
    now,
    randomUUID,
    deps.maxBytes ?? defaultMaxDocumentBytes,
  );
  const uploadUrl = await storage(deps).presignedPut(document.objectKey, uploadUrlTtlSeconds);
  await deps.documents.createDocument(document);
  return { document, uploadUrl, expiresAt: new Date(now.getTime() + uploadUrlTtlSeconds * 1000) };
}

/**
 * Checks the uploaded file — it exists, its size is the one declared and within the limit, its first
 * bytes say it is the declared type — then queues its first job (PENDING). Submitting again returns
 * the latest job. BAD_USER_INPUT when the file is missing, of another size or another type.
 */
export async function submitDocument(deps: UploadDeps, viewer: Viewer | null, id: string): Promise<DocumentJob> {
  const document = await ownDocument(deps, viewer, id);
  if (document.status !== 'UPLOADING') return latestJob(deps, document);
  const objects = storage(deps);
  const stat = await objects.stat(document.objectKey);
  if (!stat) throw badInput('The file has not been uploaded yet: PUT it to the upload URL first', { field: 'id' });
  const maxBytes = deps.maxBytes ?? defaultMaxDocumentBytes;
  if (stat.size > maxBytes) {
    throw badInput(`The uploaded file is larger than ${Math.floor(maxBytes / (1024 * 1024))} MB`, { field: 'size', maxBytes });
  }
  if (stat.size !== document.sizeBytes) {
    throw badInput(`The uploaded file has ${stat.size} bytes, not the ${document.sizeBytes} declared`, { field: 'size' });
  }
  assertDeclaredType(documentContentType(document.contentType), await objects.head(document.objectKey, sniffBytes));
  const job = await deps.documents.submit(document.id);
  if (!job) return latestJob(deps, document);
  await deps.queue?.enqueue(job.id);
  return job;
}

async function latestJob(deps: UploadDeps, document: Document): Promise<DocumentJob> {
  const latest = await deps.documents.latestJobOf(document.id);
  if (!latest) throw new DomainError('CONFLICT', 'The document has no job yet; submit it', { documentId: document.id });
  return latest;
}

/** Queues a new job for a submitted document. CONFLICT while it is still waiting for its upload. */
export async function reprocessDocument(deps: UploadDeps, viewer: Viewer | null, id: string): Promise<DocumentJob> {
  const document = await ownDocument(deps, viewer, id);
  if (document.status === 'UPLOADING') {
    throw new DomainError('CONFLICT', 'The document has not been submitted yet', { documentId: document.id });
  }
  const job = await deps.documents.addJob(document.id);
  await deps.queue?.enqueue(job.id);
  return job;
}

/** Deletes the file and the document with its jobs (owner or admin). */
export async function deleteDocument(deps: UploadDeps, viewer: Viewer | null, id: string): Promise<boolean> {
  const document = await ownDocument(deps, viewer, id);
  await storage(deps).remove(document.objectKey); // removing a missing object is not an error in S3
  await deps.documents.deleteDocument(document.id);
  return true;
}

/** A presigned GET of the file, valid 5 minutes; null until the file is submitted. The caller checked visibility. */
export async function downloadUrl(deps: UploadDeps, document: Document): Promise<string | null> {
  if (document.status === 'UPLOADING') return null;
  return storage(deps).presignedGet(document.objectKey, downloadUrlTtlSeconds);
}
