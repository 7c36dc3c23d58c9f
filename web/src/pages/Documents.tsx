/** Documents page: filled in by the documents/admin work of issue 14. */
import { RequireSignIn } from '../components/RequireSignIn.tsx';

export function Documents() {
  return (
    <RequireSignIn>
      <h1>Documents</h1>
    </RequireSignIn>
  );
}
