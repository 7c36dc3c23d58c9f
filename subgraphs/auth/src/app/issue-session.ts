/** Issues an access token and a new refresh token in a family (shared by sign-up, login, refresh). */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { RateLimiter } from '#kit/rate-limiter';
import { accessTokenTtlSeconds, refreshTokenTtlDays, scopesOf, type AccountIdentity, type Session } from '../domain/account.ts';
import type { AccountStore, KeyRing, PasswordHasher } from '../ports.ts';

export interface AuthDeps {
  accounts: AccountStore;
  keys: KeyRing;
  limiter: RateLimiter;
  passwords: PasswordHasher;
  /** Lifetime of the access tokens issued; default {@link accessTokenTtlSeconds} (tests shorten it to see tokens expire). */
  accessTokenTtlSeconds?: number;
}

/** Refresh tokens are 256 random bits; only their SHA-256 is stored. */
export const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const newRefreshToken = () => randomBytes(32).toString('base64url');
export const refreshExpiry = (now: Date) => new Date(now.getTime() + refreshTokenTtlDays * 86_400_000);

/** A short-lived access token: roles and scopes, plus `email` and `name` so `me` can answer before the profile exists. */
export async function signAccessToken(deps: AuthDeps, account: AccountIdentity) {
  const claims = {
    sub: account.id,
    roles: account.roles,
    scope: scopesOf(account.roles).join(' '),
    email: account.email,
    name: account.displayName,
  };
  return deps.keys.sign(claims, deps.accessTokenTtlSeconds ?? accessTokenTtlSeconds);
}

/** A fresh session: an access token and the first refresh token of a new family. */
export async function issueSession(deps: AuthDeps, account: AccountIdentity): Promise<Session> {
  const refreshToken = newRefreshToken();
  await deps.accounts.issueRefreshToken({
    accountId: account.id,
    familyId: randomUUID(),
    tokenHash: hashRefreshToken(refreshToken),
    expiresAt: refreshExpiry(new Date()),
  });
  return sessionOf(deps, account, refreshToken);
}

/** The session handed to a client: a fresh access token next to its refresh token. */
export async function sessionOf(deps: AuthDeps, account: AccountIdentity, refreshToken: string): Promise<Session> {
  const access = await signAccessToken(deps, account);
  return {
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt,
    refreshToken,
    user: { id: account.id, roles: account.roles },
  };
}
