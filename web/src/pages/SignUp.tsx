/** Create an account (the router's `/auth/signup`), signed in at once. */
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useApp } from '../app-context.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Field, PasswordField, useSubmit } from '../components/Form.tsx';

export function SignUp() {
  const { session } = useApp();
  const navigate = useNavigate();
  const [displayName, setDisplayName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    await session.signUp(email.trim(), password, displayName.trim());
    navigate('/', { replace: true });
  });

  return (
    <section className="panel">
      <h1>Create an account</h1>
      <form className="stack" onSubmit={submit} aria-label="Create an account">
        <Field label="Name" name="displayName" autoComplete="name" required value={displayName} onChange={setDisplayName} />
        <Field label="Email" type="email" name="email" autoComplete="email" required value={email} onChange={setEmail} />
        <PasswordField
          kind="new"
          label="Password"
          name="password"
          aria-describedby="password-rule"
          value={password}
          onChange={setPassword}
        />
        <p id="password-rule" className="muted">
          10 to 128 characters.
        </p>
        <ErrorMessage error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p>
        Have an account? <Link to="/signin">Sign in</Link>
      </p>
    </section>
  );
}
