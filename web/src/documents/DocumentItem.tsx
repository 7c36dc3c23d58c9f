/**
 * One of my documents: what it is, its latest text extraction — followed live over graphql-ws
 * (`documentJobUpdated`) while it is queued or running — its text once COMPLETED (or why it FAILED),
 * and what can be done with it: submit (an upload not yet submitted), download, reprocess, delete.
 */
import { useState } from 'react';
import { useApolloClient, useMutation, useSubscription } from '@apollo/client/react';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { formatDateTime } from '../format.ts';
import type { DocumentFieldsFragment, DocumentJobFieldsFragment } from '../gql/graphql.ts';
import { formatBytes } from './file-check.ts';
import {
  DeleteDocumentMutation,
  DocumentDownloadQuery,
  DocumentJobUpdatedSubscription,
  MyDocumentsQuery,
  ReprocessDocumentMutation,
  SubmitDocumentMutation,
} from './operations.ts';

const jobIsActive = (job: DocumentJobFieldsFragment | undefined) => job?.status === 'PENDING' || job?.status === 'RUNNING';

/** Follows the job while it moves; the cache (DocumentJob:id, Document:id) takes each event. */
function JobProgress({ job, filename }: { job: DocumentJobFieldsFragment; filename: string }) {
  const { error } = useSubscription(DocumentJobUpdatedSubscription, { variables: { jobId: job.id }, skip: !jobIsActive(job) });
  return (
    <div className="stack job-progress">
      <progress max={100} value={job.progress} aria-label={`Text extraction progress for ${filename}`}>
        {job.progress}%
      </progress>
      <span className="muted">
        {job.status === 'PENDING' ? 'Queued' : `Extracting text: ${job.progress}%`}
        {job.attempts > 1 ? ` (attempt ${job.attempts})` : ''}
      </span>
      <ErrorMessage error={error} />
    </div>
  );
}

function JobResult({ job, filename }: { job: DocumentJobFieldsFragment; filename: string }) {
  if (jobIsActive(job)) return <JobProgress job={job} filename={filename} />;
  if (job.status === 'FAILED') {
    return (
      <p className="error" role="status">
        Text extraction failed{job.failureReason ? `: ${job.failureReason}` : '.'}
      </p>
    );
  }
  return (
    <section className="extracted" aria-label={`Extracted text of ${filename}`}>
      <h3>
        Extracted text
        {job.pageCount ? <span className="muted"> · {job.pageCount === 1 ? '1 page' : `${job.pageCount} pages`}</span> : null}
      </h3>
      {job.text?.trim() ? (
        <pre className="stored-text" tabIndex={0}>
          {job.text}
        </pre>
      ) : (
        <p className="muted">No text was found in this file.</p>
      )}
    </section>
  );
}

export function DocumentItem({ document }: { document: DocumentFieldsFragment }) {
  const client = useApolloClient();
  const latest = document.jobs[0];
  const [error, setError] = useState<unknown>();
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [downloading, setDownloading] = useState(false);
  const [submit, submitState] = useMutation(SubmitDocumentMutation);
  const [reprocess, reprocessState] = useMutation(ReprocessDocumentMutation);
  const [remove, removeState] = useMutation(DeleteDocumentMutation);
  const busy = submitState.loading || reprocessState.loading || removeState.loading || downloading;
  const name = document.filename;
  const headingId = `document-${document.id}`;

  async function act(action: () => Promise<unknown>) {
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(e);
    }
  }

  async function download() {
    setDownloading(true);
    await act(async () => {
      const { data } = await client.query({
        query: DocumentDownloadQuery,
        variables: { id: document.id },
        fetchPolicy: 'network-only',
      });
      const url = data?.document?.downloadUrl;
      if (!url) throw { message: 'The file is not available yet', extensions: { code: 'NOT_FOUND' } };
      // Served as an attachment (Content-Disposition), so the page stays where it is.
      window.location.assign(url);
    });
    setDownloading(false);
  }

  async function confirmDelete() {
    await act(async () => {
      await remove({ variables: { id: document.id }, refetchQueries: [MyDocumentsQuery], awaitRefetchQueries: true });
      client.cache.evict({ id: client.cache.identify({ __typename: 'Document', id: document.id }) });
      client.cache.gc();
    });
    setConfirmingDelete(false);
  }

  return (
    <article className="card document" aria-labelledby={headingId}>
      <h2 id={headingId}>{name}</h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`status ${document.status}`}>{document.status}</span>
        </dd>
        <dt>Size</dt>
        <dd>{formatBytes(document.size)}</dd>
        <dt>Uploaded</dt>
        <dd>
          <time dateTime={document.createdAt}>{formatDateTime(document.createdAt)}</time>
        </dd>
      </dl>
      {document.status === 'UPLOADING' && <p className="muted">Waiting for the file: submit it once it is uploaded.</p>}
      {latest && <JobResult job={latest} filename={name} />}
      <ErrorMessage error={error} />
      {confirmingDelete ? (
        <div className="row confirm" role="group" aria-label={`Confirm deleting ${name}`}>
          <span>Delete {name} and its text for good?</span>
          <button type="button" className="danger" disabled={busy} onClick={confirmDelete}>
            Yes, delete {name}
          </button>
          <button type="button" className="secondary" disabled={busy} onClick={() => setConfirmingDelete(false)}>
            Keep {name}
          </button>
        </div>
      ) : (
        <div className="row">
          {document.status === 'UPLOADING' ? (
            <button
              type="button"
              disabled={busy}
              aria-label={`Submit ${name}`}
              onClick={() => act(() => submit({ variables: { id: document.id } }))}
            >
              Submit
            </button>
          ) : (
            <>
              <button type="button" className="secondary" disabled={busy} aria-label={`Download ${name}`} onClick={download}>
                Download
              </button>
              <button
                type="button"
                className="secondary"
                disabled={busy || jobIsActive(latest)}
                aria-label={`Reprocess ${name}`}
                onClick={() => act(() => reprocess({ variables: { id: document.id } }))}
              >
                Reprocess
              </button>
            </>
          )}
          <button
            type="button"
            className="danger"
            disabled={busy}
            aria-label={`Delete ${name}`}
            onClick={() => setConfirmingDelete(true)}
          >
            Delete
          </button>
        </div>
      )}
    </article>
  );
}
