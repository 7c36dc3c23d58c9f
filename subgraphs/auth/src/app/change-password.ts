/** Use cases: change the password (revoking every session) and log out everywhere. */
import { requireViewer, type Viewer } from '#kit/auth';
import { unauthenticated } from '#kit/errors';
import { checkPassword, type Session } from '../domain/account.ts';
import { issueSession, type AuthDeps } from './issue-session.ts';
import { passwordAttempt } from './password-attempt.ts';

export interface ChangePassword {
  currentPassword: string;
  newPassword: string;
}

/** The current password is a guess like a login's: it counts against the same attempt limits. */
export async function changePassword(
  deps: AuthDeps,
  viewer: Viewer | null,
  input: ChangePassword,
  clientAddress: string,
): Promise<Session> {
  const who = requireViewer(viewer);
  const account = await deps.accounts.byId(who.id);
  if (!account) throw unauthenticated('The current password is wrong');
  const current = input.currentPassword.slice(0, 1024);
  const verified = await passwordAttempt(deps.limiter, { email: account.email, clientAddress }, async () =>
    (await deps.passwords.verify(current, account.passwordHash)) ? account : null,
  );
  if (!verified) throw unauthenticated('The current password is wrong');
  checkPassword(input.newPassword, account.email);
  await deps.accounts.changePasswordHash(account.id, await deps.passwords.hash(input.newPassword));
  return issueSession(deps, account);
}

/** Revokes every refresh token of the viewer. Access tokens already issued expire on their own (15 min). */
export async function logoutAll(deps: AuthDeps, viewer: Viewer | null): Promise<boolean> {
  await deps.accounts.revokeAll(requireViewer(viewer).id);
  return true;
}
