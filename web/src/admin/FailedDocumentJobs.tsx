/**
 * Text extractions that failed for good (`failedDocumentJobs`, the worker's dead-letter list), newest
 * first, with why; an admin may queue a document again (`reprocessDocument` works on any document for
 * an admin) once the cause is fixed.
 */
import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { ReprocessDocumentMutation } from '../documents/operations.ts';
import { formatDateTime } from '../format.ts';
import { graphql } from '../gql/index.ts';

export const FailedDocumentJobsQuery = graphql(`
  query FailedDocumentJobs {
    failedDocumentJobs(last: 50) {
      id
      status
      attempts
      failureReason
      createdAt
      finishedAt
      document {
        id
        filename
        contentType
        owner {
          id
        }
      }
    }
  }
`);

export function FailedDocumentJobs() {
  const { data, error, loading, refetch } = useQuery(FailedDocumentJobsQuery, { fetchPolicy: 'cache-and-network' });
  const [reprocess, reprocessState] = useMutation(ReprocessDocumentMutation);
  const [actionError, setActionError] = useState<unknown>();
  const [queued, setQueued] = useState<string | undefined>();

  async function queueAgain(documentId: string, filename: string) {
    setActionError(undefined);
    setQueued(undefined);
    try {
      await reprocess({ variables: { id: documentId } });
      setQueued(filename);
    } catch (e) {
      setActionError(e);
    }
  }

  const jobs = data?.failedDocumentJobs ?? [];
  return (
    <section className="panel" aria-labelledby="failed-jobs">
      <div className="row spread">
        <h2 id="failed-jobs">Failed document jobs</h2>
        <button
          type="button"
          className="secondary"
          disabled={loading}
          onClick={() => void refetch()}
          aria-label="Refresh failed document jobs"
        >
          Refresh
        </button>
      </div>
      <ErrorMessage error={error} />
      <ErrorMessage error={actionError} />
      {queued && <p role="status">{queued} queued for text extraction again.</p>}
      {loading && !data && <p aria-busy="true">Loading…</p>}
      {data && jobs.length === 0 && <p className="muted">No failed jobs.</p>}
      <ul className="lines" aria-label="Failed document jobs">
        {jobs.map((job) => (
          <li key={job.id} className="admin-item">
            <div className="stack wide">
              <strong>{job.document.filename}</strong>
              <dl className="facts">
                <dt>Why</dt>
                <dd>{job.failureReason ?? 'No reason recorded'}</dd>
                <dt>Attempts</dt>
                <dd>{job.attempts}</dd>
                <dt>Type</dt>
                <dd>{job.document.contentType}</dd>
                <dt>Owner</dt>
                <dd>{job.document.owner.id}</dd>
                <dt>Failed</dt>
                <dd>{job.finishedAt ? formatDateTime(job.finishedAt) : '—'}</dd>
              </dl>
            </div>
            <button
              type="button"
              disabled={reprocessState.loading}
              aria-label={`Reprocess ${job.document.filename} (job ${job.id})`}
              onClick={() => queueAgain(job.document.id, job.document.filename)}
            >
              Reprocess
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
