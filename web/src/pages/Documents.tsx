/**
 * Documents: upload a file straight to the object store, follow its text extraction live, read the
 * text, download, reprocess or delete it. The newest first, 20 at a time.
 */
import { useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { RequireSignIn } from '../components/RequireSignIn.tsx';
import { DocumentItem } from '../documents/DocumentItem.tsx';
import { MyDocumentsQuery } from '../documents/operations.ts';
import { UploadForm } from '../documents/UploadForm.tsx';
import '../documents/documents.css';

const pageSize = 20;

function DocumentList() {
  const [first, setFirst] = useState(pageSize);
  const { data, error, loading } = useQuery(MyDocumentsQuery, { variables: { first } });
  const documents = data?.myDocuments.edges.map((edge) => edge.node) ?? [];
  return (
    <section aria-labelledby="my-documents">
      <h2 id="my-documents">My documents</h2>
      <ErrorMessage error={error} />
      {loading && !data && <p aria-busy="true">Loading…</p>}
      {data && documents.length === 0 && <p className="muted">No documents yet: upload one.</p>}
      <ul className="documents" aria-label="My documents">
        {documents.map((document) => (
          <li key={document.id}>
            <DocumentItem document={document} />
          </li>
        ))}
      </ul>
      {data?.myDocuments.pageInfo.hasNextPage && (
        <button type="button" className="secondary" disabled={loading} onClick={() => setFirst((n) => n + pageSize)}>
          Show more documents
        </button>
      )}
    </section>
  );
}

export function Documents() {
  return (
    <RequireSignIn>
      <h1>Documents</h1>
      <div className="page-columns documents-layout">
        <UploadForm />
        <DocumentList />
      </div>
    </RequireSignIn>
  );
}
