/** Use case: create a customer account, announce it (`user.registered`), and sign it in. */
import { randomUUID } from 'node:crypto';
import { DomainError } from '#kit/errors';
import { domainEvent } from '#kit/events';
import { assertWithinLimit } from '#kit/rate-limiter';
import { visibleText } from '#kit/text';
import { abuseLimits, checkPassword, normaliseEmail, type Session } from '../domain/account.ts';
import { issueSession, type AuthDeps } from './issue-session.ts';

export interface SignUp {
  email: string;
  password: string;
  displayName: string;
}

/** Validates first (cheap, and a typo should not cost an attempt), then counts against the address limit. */
export async function signUp(deps: AuthDeps, input: SignUp, clientAddress: string): Promise<Session> {
  const email = normaliseEmail(input.email);
  checkPassword(input.password, email);
  const displayName = visibleText(input.displayName, { field: 'displayName', max: 80 });
  const rule = abuseLimits.signUpsPerAddress;
  assertWithinLimit(await deps.limiter.hit(`signup:address:${clientAddress}`, rule), rule, 'sign-ups from this address');
  const id = randomUUID();
  const account = await deps.accounts.create(
    { id, email, displayName, passwordHash: await deps.passwords.hash(input.password), roles: ['CUSTOMER'] },
    domainEvent('user.registered', { userId: id, email, displayName, registeredAt: new Date().toISOString() }),
  );
  if (!account)
    throw new DomainError('CONFLICT', 'An account with this email already exists; log in instead', { field: 'email' });
  return issueSession(deps, account);
}
