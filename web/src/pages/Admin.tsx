/** Admin page: filled in by the documents/admin work of issue 14. */
import { RequireSignIn } from '../components/RequireSignIn.tsx';

export function Admin() {
  return (
    <RequireSignIn>
      <h1>Admin</h1>
    </RequireSignIn>
  );
}
