/** Renders its children for a signed-in user; otherwise a link to sign in (and back here after). */
import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import { useSessionState } from '../app-context.tsx';

export function RequireSignIn({ children }: { children: ReactNode }) {
  const state = useSessionState();
  const location = useLocation();
  if (state.status === 'unknown') return <p aria-busy="true">Loading…</p>;
  if (state.status === 'signed-out') {
    return (
      <section className="panel">
        <p>You need to be signed in to see this page.</p>
        <Link to={`/signin?next=${encodeURIComponent(location.pathname)}`}>Sign in</Link>
      </section>
    );
  }
  return <>{children}</>;
}
