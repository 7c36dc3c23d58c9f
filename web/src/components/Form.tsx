/** The pieces every form of the app is made of: a labelled input, and a submission with its busy state and error. */
import { useState, type FormEvent, type InputHTMLAttributes } from 'react';

type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange'> & {
  label: string;
  value: string;
  onChange: (value: string) => void;
};

/** An input inside its label (so the label names it), holding a string of the form's state. */
export function Field({ label, value, onChange, ...input }: FieldProps) {
  return (
    <label>
      {label}
      <input {...input} value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

/** The length a new password must have (the auth subgraph's rule). */
const passwordLength = { minLength: 10, maxLength: 128 };

/**
 * A password input: `current` for one to check (the password manager fills it in), `new` for one
 * to choose (the manager may suggest one; the length rule is checked before sending).
 */
export function PasswordField({ kind, ...field }: Omit<FieldProps, 'type' | 'autoComplete'> & { kind: 'current' | 'new' }) {
  return (
    <Field type="password" autoComplete={`${kind}-password`} {...(kind === 'new' ? passwordLength : {})} required {...field} />
  );
}

/**
 * The form's `onSubmit`: runs `action` with `busy` set, keeping what it threw as `error` (for an
 * `ErrorMessage`) until the next submission.
 */
export function useSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, submit };
}
