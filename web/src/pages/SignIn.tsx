/** Sign in with email and password (the router's `/auth/login`; the refresh token stays in its cookie). */
import { useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useApp } from '../app-context.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Field, PasswordField, useSubmit } from '../components/Form.tsx';

/** Where to go after signing in: a path of this app from `?next=`, else the shop. */
export const nextPath = (next: string | null) => (next && next.startsWith('/') && !next.startsWith('//') ? next : '/');

export function SignIn() {
  const { session } = useApp();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    await session.signIn(email.trim(), password);
    navigate(nextPath(params.get('next')), { replace: true });
  });

  return (
    <section className="panel">
      <h1>Sign in</h1>
      <form className="stack" onSubmit={submit} aria-label="Sign in">
        <Field label="Email" type="email" name="email" autoComplete="username" required value={email} onChange={setEmail} />
        <PasswordField kind="current" label="Password" name="password" value={password} onChange={setPassword} />
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p>
        No account yet? <Link to="/signup">Create an account</Link>
      </p>
    </section>
  );
}
