/**
 * Use case: rotate a refresh token. Each token works once; presenting one that was already rotated
 * (a stolen copy, or the legitimate client after a thief used it) revokes its whole family.
 */
import { unauthenticated } from '#kit/errors';
import type { Session } from '../domain/account.ts';
import { hashRefreshToken, newRefreshToken, refreshExpiry, sessionOf, type AuthDeps } from './issue-session.ts';

export async function refreshSession(deps: AuthDeps, presented: string, now = new Date()): Promise<Session> {
  const stored = presented.length <= 256 ? await deps.accounts.refreshTokenByHash(hashRefreshToken(presented)) : null;
  if (!stored || stored.revokedAt) throw unauthenticated('The refresh token is not valid; log in again');
  if (stored.rotatedAt) {
    await deps.accounts.revokeFamily(stored.familyId);
    throw unauthenticated('The refresh token was already used; every session of this login is revoked');
  }
  if (stored.expiresAt <= now) throw unauthenticated('The refresh token has expired; log in again');

  const account = await deps.accounts.identity(stored.accountId);
  if (!account) throw unauthenticated('The refresh token is not valid; log in again');
  const refreshToken = newRefreshToken();
  const outcome = await deps.accounts.rotateRefreshToken(stored.id, {
    accountId: stored.accountId,
    familyId: stored.familyId,
    tokenHash: hashRefreshToken(refreshToken),
    expiresAt: refreshExpiry(now),
  });
  // Revoked (logout, reuse elsewhere, logoutAll) between our read and our rotation.
  if (outcome === 'revoked') throw unauthenticated('The refresh token is not valid; log in again');
  if (outcome === 'reused') {
    // Another request rotated it between our read and our write: same as reuse.
    await deps.accounts.revokeFamily(stored.familyId);
    throw unauthenticated('The refresh token was already used; every session of this login is revoked');
  }
  return sessionOf(deps, account, refreshToken);
}

/** Use case: log out — revoke the presented token's family. Unknown tokens are ignored (idempotent). */
export async function logout(deps: AuthDeps, presented: string): Promise<boolean> {
  const stored = presented.length <= 256 ? await deps.accounts.refreshTokenByHash(hashRefreshToken(presented)) : null;
  if (stored) await deps.accounts.revokeFamily(stored.familyId);
  return true;
}
