/** An error as a sentence a person can act on (errors.ts), announced to screen readers. */
import { describeError } from '../errors.ts';

export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p role="alert" className="error">
      {describeError(error)}
    </p>
  );
}
