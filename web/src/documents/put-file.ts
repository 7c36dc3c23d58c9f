/**
 * Sends a file's bytes to the object store with the presigned PUT `createDocumentUpload` answered.
 * XMLHttpRequest rather than fetch: only it reports upload progress. The request carries exactly the
 * headers the presign names (`uploadHeaders`: the signed `Content-Type`); the browser sets
 * `Content-Length` from the body, which the signature also covers.
 */

export interface PresignedUpload {
  uploadUrl: string;
  uploadHeaders: readonly { name: string; value: string }[];
}

/** The upload did not reach the store, in the shape errors.ts describes (`UPLOAD_FAILED`). */
export interface UploadFailure {
  message: string;
  extensions: { code: 'UPLOAD_FAILED'; status: number };
}

const failure = (message: string, status: number): UploadFailure => ({ message, extensions: { code: 'UPLOAD_FAILED', status } });

/**
 * PUTs `file` to `upload.uploadUrl`, calling `onProgress(loaded, total)` as bytes leave. Resolves on a
 * 2xx answer; rejects with an {@link UploadFailure} otherwise (403: the URL expired, or the file is not
 * the type and size it was signed for) or when the network fails. `signal` aborts it.
 */
export function putFile(
  upload: PresignedUpload,
  file: Blob,
  onProgress: (loaded: number, total: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', upload.uploadUrl);
    for (const header of upload.uploadHeaders) xhr.setRequestHeader(header.name, header.value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else {
        reject(failure(`The storage answered ${xhr.status}`, xhr.status));
      }
    };
    xhr.onerror = () => reject(failure('The storage could not be reached', 0));
    xhr.onabort = () => reject(failure('The upload was cancelled', 0));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
