/** Use cases: change the password (revoking every session) and log out everywhere. */
import { requireViewer, unauthenticated, type Viewer } from '#kit';
import { checkPassword, type Session } from '../domain/account.ts';
import { hashPassword, verifyPassword } from '../adapters/password-hasher.ts';
import { issueSession, type AuthDeps } from './issue-session.ts';

export interface ChangePassword {
  currentPassword: string;
  newPassword: string;
}

export async function changePassword(deps: AuthDeps, viewer: Viewer | null, input: ChangePassword): Promise<Session> {
  const who = requireViewer(viewer);
  const account = await deps.accounts.byId(who.id);
  if (!account || !(await verifyPassword(input.currentPassword.slice(0, 1024), account.passwordHash))) {
    throw unauthenticated('The current password is wrong');
  }
  checkPassword(input.newPassword, account.email);
  await deps.accounts.changePasswordHash(account.id, await hashPassword(input.newPassword));
  return issueSession(deps, account);
}

/** Revokes every refresh token of the viewer. Access tokens already issued expire on their own (15 min). */
export async function logoutAll(deps: AuthDeps, viewer: Viewer | null): Promise<boolean> {
  await deps.accounts.revokeAll(requireViewer(viewer).id);
  return true;
}
