/** Use case: email + password -> session. Unknown email and wrong password look and take the same. */
import { DomainError, unauthenticated } from '#kit';
import { normaliseEmail, type Session } from '../domain/account.ts';
import { decoyHash, verifyPassword } from '../adapters/password-hasher.ts';
import { issueSession, type AuthDeps } from './issue-session.ts';

export interface Login {
  email: string;
  password: string;
}

export async function login(deps: AuthDeps, input: Login): Promise<Session> {
  let email: string;
  try {
    email = normaliseEmail(input.email);
  } catch (error) {
    if (error instanceof DomainError) throw unauthenticated('The email or password is wrong');
    throw error;
  }
  const account = await deps.accounts.byEmail(email);
  // Verify against a decoy hash for unknown emails so the response time does not reveal them.
  const valid = await verifyPassword(input.password.slice(0, 1024), account?.passwordHash ?? (await decoyHash));
  if (!account || !valid) throw unauthenticated('The email or password is wrong');
  return issueSession(deps, account);
}
