/**
 * Upload a document: check the file, ask for a presigned PUT (`createDocumentUpload`), send the bytes
 * straight to the object store with a progress bar, then submit it (`submitDocument`) so its text is
 * extracted. The document appears in the list as soon as it exists; its extraction is followed there.
 */
import { useEffect, useReducer, useRef, useState, type FormEvent } from 'react';
import { useMutation } from '@apollo/client/react';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { acceptAttribute, checkFile, formatBytes, maxUploadBytes } from './file-check.ts';
import { CreateDocumentUploadMutation, MyDocumentsQuery, SubmitDocumentMutation } from './operations.ts';
import { putFile } from './put-file.ts';
import { idleUpload, uploadPercent, uploadReducer, uploadStatusText } from './upload-state.ts';

export function UploadForm() {
  const [state, dispatch] = useReducer(uploadReducer, idleUpload);
  const [file, setFile] = useState<File | undefined>();
  const [createUpload] = useMutation(CreateDocumentUploadMutation);
  const [submitDocument] = useMutation(SubmitDocumentMutation);
  const input = useRef<HTMLInputElement>(null);
  const aborter = useRef<AbortController | undefined>(undefined);
  const busy = state.phase === 'preparing' || state.phase === 'uploading' || state.phase === 'submitting';
  const percent = uploadPercent(state);

  useEffect(() => () => aborter.current?.abort(), []);

  async function upload(event: FormEvent) {
    event.preventDefault();
    if (!file || busy) return;
    dispatch({ type: 'reset' });
    dispatch({ type: 'start', filename: file.name });
    const check = checkFile(file);
    if (!check.ok) {
      dispatch({ type: 'failed', error: check.error });
      return;
    }
    aborter.current = new AbortController();
    try {
      const { data } = await createUpload({
        variables: { input: { filename: file.name, contentType: check.contentType, size: file.size } },
        refetchQueries: [MyDocumentsQuery],
      });
      const upload = data!.createDocumentUpload;
      dispatch({ type: 'created', documentId: upload.document.id, total: file.size });
      await putFile(upload, file, (loaded, total) => dispatch({ type: 'progress', loaded, total }), aborter.current.signal);
      dispatch({ type: 'uploaded' });
      const submitted = await submitDocument({ variables: { id: upload.document.id } });
      dispatch({ type: 'submitted', jobId: submitted.data!.submitDocument.id });
      setFile(undefined);
      if (input.current) input.current.value = '';
    } catch (error) {
      dispatch({ type: 'failed', error });
    }
  }

  return (
    <form className="stack panel" onSubmit={upload} aria-label="Upload a document">
      <h2>Upload a document</h2>
      <label>
        File to upload
        <input
          ref={input}
          type="file"
          name="file"
          accept={acceptAttribute}
          disabled={busy}
          onChange={(e) => {
            setFile(e.target.files?.[0]);
            dispatch({ type: 'reset' });
          }}
        />
      </label>
      <p className="muted">Plain text, PDF, PNG, JPEG or DOCX, up to {formatBytes(maxUploadBytes)}.</p>
      {percent !== undefined && (
        <progress max={100} value={percent} aria-label="Upload progress">
          {percent}%
        </progress>
      )}
      <p role="status" aria-live="polite" className="muted">
        {uploadStatusText(state)}
      </p>
      {state.phase === 'failed' && <ErrorMessage error={state.error} />}
      <button type="submit" disabled={!file || busy}>
        Upload
      </button>
    </form>
  );
}
