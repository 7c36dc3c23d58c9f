/**
 * Use case: email + password -> session. Unknown email and wrong password look and take the same.
 * Failed attempts are counted per account and per client address; past the limit the password is
 * not even checked, so guessing stops paying.
 */
import { assertWithinLimit, DomainError, unauthenticated, type RateLimit } from '#kit';
import { abuseLimits, normaliseEmail, type Session } from '../domain/account.ts';
import { decoyHash, verifyPassword } from '../adapters/password-hasher.ts';
import { issueSession, type AuthDeps } from './issue-session.ts';

export interface Login {
  email: string;
  password: string;
}

export async function login(deps: AuthDeps, input: Login, clientAddress: string): Promise<Session> {
  const byAddress = `login:address:${clientAddress}`;
  let email: string | null = null;
  try {
    email = normaliseEmail(input.email);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
  }
  const byAccount = email ? `login:account:${email}` : null;
  const checks: [string, RateLimit][] = [[byAddress, abuseLimits.loginFailuresPerAddress]];
  if (byAccount) checks.push([byAccount, abuseLimits.loginFailuresPerAccount]);
  for (const [key, rule] of checks) {
    const state = await deps.limiter.peek(key, rule);
    assertWithinLimit({ ...state, count: state.count + 1 }, rule, 'failed sign-in attempts');
  }

  const account = email ? await deps.accounts.byEmail(email) : null;
  // Verify against a decoy hash for unknown emails so the response time does not reveal them.
  const valid = await verifyPassword(input.password.slice(0, 1024), account?.passwordHash ?? (await decoyHash));
  if (!account || !valid) {
    await Promise.all(checks.map(([key, rule]) => deps.limiter.hit(key, rule)));
    throw unauthenticated('The email or password is wrong');
  }
  if (byAccount) await deps.limiter.reset(byAccount);
  return issueSession(deps, account);
}
