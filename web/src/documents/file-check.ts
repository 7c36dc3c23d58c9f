/**
 * What the browser checks before asking for an upload URL: the types the documents worker can read
 * and the size limit (subgraphs/documents/src/domain/document.ts). The API checks again — this only
 * spares a person a round trip, and names the type a browser left blank (some send no type for a
 * `.docx`, for instance) from the file's extension.
 */

/** The types the worker extracts text from, with the extensions a file picker offers. */
export const uploadTypes = [
  { contentType: 'text/plain', extensions: ['.txt', '.text'] },
  { contentType: 'application/pdf', extensions: ['.pdf'] },
  { contentType: 'image/png', extensions: ['.png'] },
  { contentType: 'image/jpeg', extensions: ['.jpg', '.jpeg'] },
  {
    contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    extensions: ['.docx'],
  },
] as const;

/** The documents subgraph's default `DOCUMENTS_MAX_BYTES` (25 MiB); the API has the last word. */
export const maxUploadBytes = 25 * 1024 * 1024;

/** The file input's `accept`: every extension and type above. */
export const acceptAttribute = uploadTypes.flatMap((t) => [...t.extensions, t.contentType]).join(',');

/** An error shaped like a GraphQL one, so errors.ts describes it like any other. */
export interface FileError {
  message: string;
  extensions: { code: 'FILE_TYPE_REFUSED' | 'FILE_TOO_LARGE' | 'FILE_EMPTY' };
}

export type FileCheck = { ok: true; contentType: string } | { ok: false; error: FileError };

/** 1536 -> "1.5 KB", 26214400 -> "25 MB" (binary units, as the API counts its limits). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 1024) return `${Math.max(0, Math.round(bytes || 0))} B`;
  const units = ['KB', 'MB', 'GB'] as const;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = value >= 10 ? Math.round(value) : Math.round(value * 10) / 10;
  return `${rounded} ${units[unit]}`;
}

/**
 * The content type to declare for `file`: the browser's (without parameters, lower case) when it is
 * one the worker reads; otherwise the one its extension names, when the browser gave none.
 */
export function uploadContentType(file: { name: string; type: string }): string | undefined {
  const declared = file.type.split(';')[0]!.trim().toLowerCase();
  if (declared !== '') return uploadTypes.find((t) => t.contentType === declared)?.contentType;
  const name = file.name.toLowerCase();
  return uploadTypes.find((t) => t.extensions.some((extension) => name.endsWith(extension)))?.contentType;
}

/** Whether `file` may be uploaded, and as which type. */
export function checkFile(file: { name: string; type: string; size: number }, maxBytes = maxUploadBytes): FileCheck {
  const contentType = uploadContentType(file);
  if (!contentType) {
    return { ok: false, error: { message: `${file.name} is not a type we can read`, extensions: { code: 'FILE_TYPE_REFUSED' } } };
  }
  if (file.size <= 0) return { ok: false, error: { message: `${file.name} is empty`, extensions: { code: 'FILE_EMPTY' } } };
  if (file.size > maxBytes) {
    return {
      ok: false,
      error: {
        message: `${file.name} is larger than ${formatBytes(maxBytes)}, the most one file may be`,
        extensions: { code: 'FILE_TOO_LARGE' },
      },
    };
  }
  return { ok: true, contentType };
}
