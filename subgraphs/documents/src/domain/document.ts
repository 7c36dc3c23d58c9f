/** Documents and their text-extraction jobs: the documents subgraph's own view. Pure: no I/O. */
import { badInput } from '#kit';

export type DocumentStatus = 'UPLOADING' | 'UPLOADED' | 'PROCESSING' | 'PROCESSED' | 'FAILED';
export type JobStatus = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED';

export interface Document {
  id: string;
  ownerId: string;
  /** The name the file was uploaded with, cleaned for display; never a storage path. */
  filename: string;
  contentType: string;
  sizeBytes: number;
  /** Where the file lives in the bucket: `documents/<ownerId>/<uuid>`. */
  objectKey: string;
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

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A new document waiting for its upload. The object key is `documents/<ownerId>/<uuid>` from
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
  if (!uuidPattern.test(input.ownerId)) throw new Error('the owner id must be a UUID');
  const id = idFactory();
  const keyId = idFactory();
  if (!uuidPattern.test(id) || !uuidPattern.test(keyId)) throw new Error('the id factory must produce UUIDs');
  return {
    id,
    ownerId: input.ownerId,
    filename,
    contentType,
    sizeBytes,
    objectKey: `documents/${input.ownerId.toLowerCase()}/${keyId.toLowerCase()}`,
    status: 'UPLOADING',
    createdAt: now,
  };
}
