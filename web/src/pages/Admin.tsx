/**
 * Admin: the orders' dead letters (replay), failed document jobs (reprocess), stock adjustment.
 * Only for a user with the ADMIN role (the `admin` scope of their token); the API refuses anyone
 * else anyway (`@requiresScopes`), this only spares them a page of refusals.
 */
import { RequireSignIn } from '../components/RequireSignIn.tsx';
import { DeadLetters } from '../admin/DeadLetters.tsx';
import { FailedDocumentJobs } from '../admin/FailedDocumentJobs.tsx';
import { StockAdjustment } from '../admin/StockAdjustment.tsx';
import { useViewer } from '../viewer.ts';
import '../admin/admin.css';

function AdminOnly() {
  const viewer = useViewer();
  if (!viewer) return <p aria-busy="true">Loading…</p>;
  if (!viewer.roles.includes('ADMIN')) {
    return (
      <section className="panel">
        <h1>Admins only</h1>
        <p>This page is for administrators. Your account cannot open it.</p>
      </section>
    );
  }
  return (
    <>
      <h1>Admin</h1>
      <div className="page-columns admin-layout">
        <DeadLetters />
        <FailedDocumentJobs />
        <StockAdjustment />
      </div>
    </>
  );
}

export function Admin() {
  return (
    <RequireSignIn>
      <AdminOnly />
    </RequireSignIn>
  );
}
