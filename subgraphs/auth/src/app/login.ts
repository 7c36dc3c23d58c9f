/**
 * Use case: email + password -> session. Unknown email and wrong password look and take the same.
 * Each attempt is counted per account and per client address before the password is checked; past
 * a limit it is not checked at all, so guessing stops paying (see password-attempt.ts). A hash made
 * at a lower cost than today's is replaced on a successful login.
 */
import { DomainError, unauthenticated } from '#kit/errors';
import { normaliseEmail, type Session } from '../domain/account.ts';
import { issueSession, type AuthDeps } from './issue-session.ts';
import { passwordAttempt } from './password-attempt.ts';

export interface Login {
  email: string;
  password: string;
}

export async function login(deps: AuthDeps, input: Login, clientAddress: string): Promise<Session> {
  let email: string | null = null;
  try {
    email = normaliseEmail(input.email);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
  }
  const password = input.password.slice(0, 1024);
  const account = await passwordAttempt(deps.limiter, { email, clientAddress }, async () => {
    const found = email ? await deps.accounts.byEmail(email) : null;
    if (!found) {
      // Unknown emails are checked against a decoy hash, so the response time does not reveal them.
      await deps.passwords.verifyDecoy(password);
      return null;
    }
    return (await deps.passwords.verify(password, found.passwordHash)) ? found : null;
  });
  if (!account) throw unauthenticated('The email or password is wrong');
  // A raised cost reaches older hashes here, the one moment the password is known.
  if (deps.passwords.needsRehash(account.passwordHash)) {
    await deps.accounts.upgradePasswordHash(account.id, account.passwordHash, await deps.passwords.hash(password));
  }
  return issueSession(deps, account);
}
