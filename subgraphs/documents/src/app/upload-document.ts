/**
 * Use cases of a document's life before and around processing: ask for an upload URL, submit the
 * uploaded file (checked for presence, size and real type), download it, process it again, delete it.
 * The client sends the bytes straight to object storage with a presigned PUT: they never pass
 * through the API. The URL signs the declared type and size, so the storage refuses any other; it
 * stays valid for 15 minutes whatever happens to the document, so submitting copies the file to a
 * key no URL can write (what was checked is what is processed and served), and the upload's object
 * is removed again once its URL has expired ({@link removeStaleObjects}).
 */
import { randomUUID } from 'node:crypto';
import { canSee, requireViewer, type Viewer } from '#kit/auth';
import { badInput, DomainError, notFound } from '#kit/errors';
import { isUuid } from '#kit/ids';
import type { DocumentStore, JobQueue, ObjectInfo, ObjectStore } from '../ports.ts';
import {
  assertDeclaredType,
  defaultDocumentQuota,
  defaultMaxDocumentBytes,
  documentContentType,
  newDocument,
  newFileKey,
  sniffBytes,
  type Document,
  type DocumentJob,
  type DocumentQuota,
} from '../domain/document.ts';

export interface UploadDeps {
  documents: DocumentStore;
  /** Where submitted jobs are queued for the worker (a PENDING job is also queued again by the worker's sweep). */
  queue?: JobQueue;
  /** Absent when the process has no object storage configured: every file operation then fails. */
  objects?: ObjectStore;
  maxBytes?: number;
  /** What one user may keep stored; default {@link defaultDocumentQuota}. */
  quota?: DocumentQuota;
  now?: () => Date;
}

/** How long a presigned upload URL stays valid. */
export const uploadUrlTtlSeconds = 15 * 60;
/** How long a presigned download URL stays valid. */
export const downloadUrlTtlSeconds = 5 * 60;

/**
 * When nothing can write a document's upload object any more: its URL has expired (signed at
 * creation), with a minute for the storage server's clock.
 */
const uploadClosesAt = (document: Document) => new Date(document.createdAt.getTime() + (uploadUrlTtlSeconds + 60) * 1000);

/** A header the upload must carry. */
export interface UploadHeader {
  name: string;
  value: string;
}

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
 * A new document (UPLOADING) and a presigned PUT URL to upload its bytes to, valid 15 minutes, with
 * the headers the upload must carry. The URL accepts exactly `size` bytes of the declared type.
 * BAD_USER_INPUT for a type the worker cannot read, an empty or too large file, or a bad filename;
 * QUOTA_EXCEEDED when the owner's documents would be more, or hold more bytes, than the quota.
 */
export async function createDocumentUpload(
  deps: UploadDeps,
  viewer: Viewer | null,
  input: { filename: string; contentType: string; size: number },
): Promise<{ document: Document; uploadUrl: string; uploadHeaders: UploadHeader[]; expiresAt: Date }> {
  const owner = requireViewer(viewer);
  const now = deps.now?.() ?? new Date();
  const document = newDocument(
    { ownerId: owner.id, filename: input.filename, contentType: input.contentType, sizeBytes: input.size },
    now,
    randomUUID,
    deps.maxBytes ?? defaultMaxDocumentBytes,
  );
  const upload = storage(deps).presignedUpload(document.objectKey, uploadUrlTtlSeconds, {
    contentType: document.contentType,
    contentLength: document.sizeBytes,
  });
  const quota = deps.quota ?? defaultDocumentQuota;
  const over = await deps.documents.createDocumentWithinQuota(document, quota);
  if (over === 'documents') {
    throw new DomainError('QUOTA_EXCEEDED', `You may keep at most ${quota.maxDocuments} documents; delete some to upload more`);
  }
  if (over === 'bytes') {
    const mib = (bytes: number) => `${Math.floor(bytes / (1024 * 1024))} MB`;
    throw new DomainError(
      'QUOTA_EXCEEDED',
      `Your documents may hold at most ${mib(quota.maxBytes)} in all; delete some to upload more`,
    );
  }
  return {
    document,
    uploadUrl: upload.url,
    uploadHeaders: Object.entries(upload.headers).map(([name, value]) => ({ name, value })),
    expiresAt: new Date(now.getTime() + uploadUrlTtlSeconds * 1000),
  };
}

/**
 * Submits the uploaded file: copies it, on the storage server, to a key of its own that no upload
 * URL can write, checks the copy — its size is the one declared and within the limit, its first bytes
 * say it is the declared type — then records it with its ETag and queues the first job (PENDING).
 * Submitting again returns the latest job. BAD_USER_INPUT when the file is missing, of another size
 * or another type; the document then stays UPLOADING, to upload again.
 */
export async function submitDocument(deps: UploadDeps, viewer: Viewer | null, id: string): Promise<DocumentJob> {
  const document = await ownDocument(deps, viewer, id);
  if (document.status !== 'UPLOADING') return latestJob(deps, document);
  const objects = storage(deps);
  if (!(await objects.stat(document.objectKey))) {
    throw badInput('The file has not been uploaded yet: PUT it to the upload URL first', { field: 'id' });
  }
  const fileKey = newFileKey(document, randomUUID);
  await objects.copy(document.objectKey, fileKey);
  const dropCopy = () => objects.remove(fileKey).catch(() => undefined); // nothing refers to it
  let job: DocumentJob | null;
  try {
    const file = await checkedFile(deps, document, fileKey);
    job = await deps.documents.submit(
      document.id,
      { fileKey, fileEtag: file.etag },
      { objectKey: document.objectKey, staleAfter: uploadClosesAt(document) },
    );
  } catch (error) {
    await dropCopy();
    throw error;
  }
  if (!job) {
    await dropCopy(); // a concurrent submit won: its copy is the file
    return latestJob(deps, document);
  }
  await objects.remove(document.objectKey).catch(() => undefined); // done with; removed again once its URL expired
  await deps.queue?.enqueue(job.id);
  return job;
}

/** The copy at `fileKey`, once it is of the size declared, within the limit, and of the declared type. */
async function checkedFile(deps: UploadDeps, document: Document, fileKey: string): Promise<ObjectInfo> {
  const objects = storage(deps);
  const file = await objects.stat(fileKey);
  if (!file) throw new Error(`the copy ${fileKey} of an uploaded file is missing`);
  const maxBytes = deps.maxBytes ?? defaultMaxDocumentBytes;
  if (file.size > maxBytes) {
    throw badInput(`The uploaded file is larger than ${Math.floor(maxBytes / (1024 * 1024))} MB`, { field: 'size', maxBytes });
  }
  if (file.size !== document.sizeBytes) {
    throw badInput(`The uploaded file has ${file.size} bytes, not the ${document.sizeBytes} declared`, { field: 'size' });
  }
  assertDeclaredType(documentContentType(document.contentType), await objects.head(fileKey, sniffBytes));
  return file;
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

/**
 * Deletes the document with its jobs and its files (owner or admin). The upload URL stays valid until
 * it expires: whatever is PUT there meanwhile belongs to no document, so nothing serves or processes
 * it, and {@link removeStaleObjects} removes it once the URL has expired.
 */
export async function deleteDocument(deps: UploadDeps, viewer: Viewer | null, id: string): Promise<boolean> {
  const document = await ownDocument(deps, viewer, id);
  const objects = storage(deps);
  await deps.documents.deleteDocument(document, uploadClosesAt(document));
  // Now rather than at the next sweep; removing a missing object is not an error in S3.
  await Promise.all([document.objectKey, document.fileKey].map((key) => key && objects.remove(key)));
  return true;
}

/**
 * Removes from storage the objects nothing may use any more — a deleted document's files, an upload's
 * object once its URL expired — and forgets them. Returns how many it removed.
 */
export async function removeStaleObjects(deps: Pick<UploadDeps, 'documents' | 'objects' | 'now'>): Promise<number> {
  const due = await deps.documents.staleObjectsDue(deps.now?.() ?? new Date());
  for (const key of due) await storage(deps).remove(key);
  await deps.documents.forgetStaleObjects(due);
  return due.length;
}

/**
 * A presigned GET of the submitted file, valid 5 minutes, served as a download (an attachment with
 * the document's name and type, whatever the storage holds); null until the file is submitted. The
 * caller checked visibility.
 */
export async function downloadUrl(deps: UploadDeps, document: Document): Promise<string | null> {
  if (!document.fileKey) return null;
  return storage(deps).presignedDownload(document.fileKey, downloadUrlTtlSeconds, {
    filename: document.filename,
    contentType: document.contentType,
  });
}
