/** The account: who is signed in, change password, sign out here or everywhere. */
import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { useNavigate } from 'react-router';
import { useApp } from '../app-context.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { PasswordField, useSubmit } from '../components/Form.tsx';
import { RequireSignIn } from '../components/RequireSignIn.tsx';
import { graphql } from '../gql/index.ts';
import { useViewer } from '../viewer.ts';

const LogoutAllMutation = graphql(`
  mutation LogoutAll {
    logoutAll
  }
`);

function ChangePassword() {
  const { session } = useApp();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNext] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, submit } = useSubmit(async () => {
    setDone(false);
    await session.changePassword(currentPassword, newPassword);
    setCurrent('');
    setNext('');
    setDone(true);
  });

  return (
    <form className="stack" onSubmit={submit} aria-label="Change password">
      <h2>Change password</h2>
      <PasswordField kind="current" label="Current password" value={currentPassword} onChange={setCurrent} />
      <PasswordField kind="new" label="New password" value={newPassword} onChange={setNext} />
      <ErrorMessage error={error} />
      {done && <p role="status">Password changed. Your other devices are signed out.</p>}
      <button type="submit" disabled={busy}>
        Change password
      </button>
    </form>
  );
}

function SignOut() {
  const { session, client } = useApp();
  const navigate = useNavigate();
  const [logoutAll] = useMutation(LogoutAllMutation);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function run(action: () => Promise<void>) {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      await client.apollo.clearStore();
      navigate('/signin', { replace: true });
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }

  return (
    <div className="stack">
      <h2>Sign out</h2>
      <ErrorMessage error={error} />
      <div className="row">
        <button type="button" className="secondary" disabled={busy} onClick={() => run(() => session.signOut())}>
          Sign out
        </button>
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() =>
            run(() =>
              session.signOutEverywhere(async () => {
                await logoutAll();
              }),
            )
          }
        >
          Sign out everywhere
        </button>
      </div>
    </div>
  );
}

export function Account() {
  const viewer = useViewer();
  return (
    <RequireSignIn>
      <section className="panel">
        <h1>Account</h1>
        {viewer && (
          <p>
            Signed in as <strong>{viewer.displayName}</strong>
            {viewer.roles.includes('ADMIN') ? ' (admin)' : ''}.
          </p>
        )}
        <ChangePassword />
        <SignOut />
      </section>
    </RequireSignIn>
  );
}
