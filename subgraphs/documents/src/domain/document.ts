/** Documents and their text-extraction jobs: the documents subgraph's own view. Pure: no I/O. */
import { assertNever, badInput } from '#kit/errors';
import { isUuid } from '#kit/ids';

export type DocumentStatus = 'UPLOADING' | 'UPLOADED' | 'PROCESSING' | 'PROCESSED' | 'FAILED';
export const jobStatuses = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED'] as const;
export type JobStatus = (typeof jobStatuses)[number];

export interface Document {
  id: string;
  ownerId: string;
  /** The name the file was uploaded with, cleaned for display; never a storage path. */
  filename: string;
  contentType: string;
  sizeBytes: number;
  /** Where the upload URL writes in the bucket: `uploads/<ownerId>/<uuid>`. */
  objectKey: string;
  /**
   * The submitted file: a copy made at submit, at `documents/<ownerId>/<uuid>`, that no upload URL
   * can write — what was checked is what is processed and served. Null until submitted.
   */
  fileKey: string | null;
  /** The ETag of the file at submit: a file whose ETag has changed since is refused. */
  fileEtag: string | null;
  status: DocumentStatus;
  createdAt: Date;
}

export interface DocumentJob {
  id: string;
  documentId: string;
  status: JobStatus;
  /** 0..100 */
  progress: number;
  attempts: number;
  failureReason: string | null;
  text: string | null;
  pageCount: number | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** True once a job can no longer change. */
export const isJobFinished = (status: JobStatus): boolean => status === 'COMPLETED' || status === 'FAILED';

/** Where a job is in its life, as a watcher compares two points of it. */
export type JobPoint = Pick<DocumentJob, 'status' | 'attempts' | 'progress'>;

const jobStage: Record<JobStatus, number> = { PENDING: 0, RUNNING: 1, COMPLETED: 2, FAILED: 2 };

/**
 * True when `to` comes after `from` in a job's life. A job only moves forward: PENDING, then RUNNING,
 * then COMPLETED or FAILED for good. While RUNNING, each attempt (a retry after an error, or after
 * its worker died) starts again from 0 %, so a later attempt comes after any progress of an earlier
 * one; within an attempt, progress only grows.
 */
export function isLaterJobPoint(from: JobPoint, to: JobPoint): boolean {
  return (jobStage[to.status] - jobStage[from.status] || to.attempts - from.attempts || to.progress - from.progress) > 0;
}

/** A document's status once one of its jobs is `job`: the store writes both in one transaction. */
export function documentStatusAfter(job: JobStatus, current: DocumentStatus): DocumentStatus {
  switch (job) {
    case 'PENDING':
      return current; // a queued job changes nothing until a worker takes it
    case 'RUNNING':
      return 'PROCESSING';
    case 'COMPLETED':
      return 'PROCESSED';
    case 'FAILED':
      return 'FAILED';
    default:
      return assertNever(job);
  }
}

/** A user as the documents subgraph knows one: only the key (the users subgraph owns the profile). */
export interface UserRef {
  id: string;
}

/** What the worker can extract text from. */
export const allowedContentTypes = [
  'text/plain',
  'application/pdf',
  'image/png',
  'image/jpeg',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
] as const;
export type AllowedContentType = (typeof allowedContentTypes)[number];

/** 25 MiB: large enough for scanned documents, small enough for one worker's memory. */
export const defaultMaxDocumentBytes = 25 * 1024 * 1024;

/**
 * What one user may keep stored: documents and their bytes (declared sizes, which submit checks),
 * counted from the upload's creation — an upload reserves its place — until the document is deleted.
 */
export interface DocumentQuota {
  maxDocuments: number;
  maxBytes: number;
}

/** 1,000 documents and 1 GiB per user (40 files of the largest size). */
export const defaultDocumentQuota: DocumentQuota = { maxDocuments: 1000, maxBytes: 1024 * 1024 * 1024 };
const maxFilenameLength = 255;

/**
 * The canonical content type of an upload: case and parameters (`; charset=utf-8`) are ignored.
 * BAD_USER_INPUT for anything the worker cannot read.
 */
export function documentContentType(raw: string): AllowedContentType {
  const type = raw.split(';')[0]!.trim().toLowerCase();
  const allowed = allowedContentTypes.find((t) => t === type);
  if (!allowed) {
    throw badInput(`Files of type "${type}" cannot be processed; use plain text, PDF, PNG, JPEG or DOCX`, {
      field: 'contentType',
      allowed: [...allowedContentTypes],
    });
  }
  return allowed;
}

// Control and formatting characters (including bidirectional overrides) make a name display
// differently from what it is; path separators make it look like a path.
const unsafeCharacters = /[\p{Cc}\p{Cf}]/gu;

/**
 * A filename fit for display: the last segment of any client-side path (some browsers send
 * `C:\\Users\\...\\report.pdf`), without control or formatting characters, trimmed. BAD_USER_INPUT
 * when nothing usable is left or it is longer than 255 characters.
 */
export function displayFilename(raw: string): string {
  const lastSegment = raw.normalize('NFC').split(/[/\\]/).at(-1) ?? '';
  // Whitespace controls (tab, newline) become spaces; every other invisible character goes.
  const name = lastSegment.replace(/\s+/g, ' ').replace(unsafeCharacters, '').trim();
  if (name === '' || name === '.' || name === '..') throw badInput('The filename is empty', { field: 'filename' });
  if ([...name].length > maxFilenameLength) {
    throw badInput(`The filename must be at most ${maxFilenameLength} characters`, { field: 'filename' });
  }
  return name;
}

/** A file size in bytes: a whole number from 1 to `maxBytes` (default 25 MiB). */
export function documentSize(sizeBytes: number, maxBytes = defaultMaxDocumentBytes): number {
  if (!Number.isInteger(sizeBytes) || sizeBytes < 1) throw badInput('The file is empty', { field: 'size' });
  if (sizeBytes > maxBytes) {
    throw badInput(`The file is larger than ${Math.floor(maxBytes / (1024 * 1024))} MB`, { field: 'size', maxBytes });
  }
  return sizeBytes;
}

/**
 * A new document waiting for its upload. Its object key is `uploads/<ownerId>/<uuid>` from
 * `idFactory`, never derived from the filename, so a crafted name cannot reach another key.
 * BAD_USER_INPUT for a bad filename, content type or size.
 */
export function newDocument(
  input: { ownerId: string; filename: string; contentType: string; sizeBytes: number },
  now: Date,
  idFactory: () => string,
  maxBytes = defaultMaxDocumentBytes,
): Document {
  const filename = displayFilename(input.filename);
  const contentType = documentContentType(input.contentType);
  const sizeBytes = documentSize(input.sizeBytes, maxBytes);
  // Both come from us (token subject, id factory); checked anyway because they become a key path.
  if (!isUuid(input.ownerId)) throw new Error('the owner id must be a UUID');
  const id = idFactory();
  const keyId = idFactory();
  if (!isUuid(id) || !isUuid(keyId)) throw new Error('the id factory must produce UUIDs');
  return {
    id,
    ownerId: input.ownerId,
    filename,
    contentType,
    sizeBytes,
    objectKey: `uploads/${input.ownerId.toLowerCase()}/${keyId.toLowerCase()}`,
    fileKey: null,
    fileEtag: null,
    status: 'UPLOADING',
    createdAt: now,
  };
}

/**
 * Where a document's file goes when it is submitted: a new key under `documents/`, which no upload
 * URL addresses, so the file cannot change after its checks — nor can two submits race on one key.
 */
export function newFileKey(document: Pick<Document, 'ownerId'>, idFactory: () => string): string {
  const keyId = idFactory();
  if (!isUuid(keyId)) throw new Error('the id factory must produce UUIDs');
  return `documents/${document.ownerId.toLowerCase()}/${keyId.toLowerCase()}`;
}

/** How many leading bytes {@link sniffContentType} needs. */
export const sniffBytes = 4096;

const startsWith = (head: Uint8Array, signature: number[]) => signature.every((byte, i) => head[i] === byte);
const typeNames: Record<AllowedContentType, string> = {
  'text/plain': 'plain text',
  'application/pdf': 'a PDF',
  'image/png': 'a PNG image',
  'image/jpeg': 'a JPEG image',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'a Word (DOCX) document',
};

/**
 * The real type of a file from its first bytes (magic numbers), or null when it is none of the
 * accepted types. DOCX is a ZIP whose first entry names the package (`[Content_Types].xml`, `_rels/`
 * or `word/`); text has no NUL and (almost) no control bytes, in whatever charset.
 */
export function sniffContentType(head: Uint8Array): AllowedContentType | null {
  if (startsWith(head, [0x25, 0x50, 0x44, 0x46, 0x2d])) return 'application/pdf'; // %PDF-
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    const names = Buffer.from(head).toString('latin1');
    return /\[Content_Types\]\.xml|_rels\/|word\//.test(names)
      ? 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
      : null;
  }
  if (head.length === 0 || head.includes(0)) return null;
  // Text in any 8-bit charset (the worker detects which): no NUL, almost no control bytes.
  const controls = head.filter((b) => b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b).length;
  return controls <= head.length / 100 ? 'text/plain' : null;
}

/**
 * Checks that an uploaded file is what its upload said: BAD_USER_INPUT naming what it really is
 * (a PNG named .pdf is refused), or that it is none of the accepted types.
 */
export function assertDeclaredType(declared: AllowedContentType, head: Uint8Array): void {
  const actual = sniffContentType(head);
  if (actual === declared) return;
  throw badInput(
    actual
      ? `The file is ${typeNames[actual]}, not ${typeNames[declared]} as declared; upload it again with its real type`
      : `The file is not ${typeNames[declared]} (nor any type that can be processed)`,
    { field: 'contentType', declared, actual },
  );
}
