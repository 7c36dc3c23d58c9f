/** Accounts and sessions: the auth subgraph's rules. Pure: no I/O. */
import type { Role } from '#kit/auth';
import { badInput } from '#kit/errors';

export type { Role };

/** The slice of an account other subgraphs can reference (`User.roles`). */
export interface AccountRef {
  id: string;
  roles: Role[];
}

/** What access tokens say about their subject besides roles (OIDC-style `email` and `name` claims). */
export interface AccountIdentity extends AccountRef {
  email: string;
  displayName: string;
}

/** What sign-up, login and refresh return. */
export interface Session {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  user: AccountRef;
}

export const accessTokenTtlSeconds = 15 * 60;
export const refreshTokenTtlDays = 30;

const emailPattern = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/**
 * Normalises an email for storage and lookup: NFKC (full-width and other compatibility forms fold
 * to their plain letters, so `ａｄａ@…` is `ada@…`), trimmed, lower-cased. Refuses anything that is
 * not a plain `local@domain.tld` of at most 254 characters, with no control or invisible characters.
 */
export function normaliseEmail(raw: string): string {
  const email = raw.normalize('NFKC').trim().toLowerCase();
  if (email.length > 254 || /[\p{Cc}\p{Cf}\p{Z}]/u.test(email) || !emailPattern.test(email)) {
    throw badInput('Enter a valid email address, like name@example.com', { field: 'email' });
  }
  return email;
}

export const passwordRules = { min: 10, max: 128 };

/** Password policy: 10..128 characters, not only one repeated character, not the email itself. */
export function checkPassword(password: string, email: string): void {
  if (password.length < passwordRules.min || password.length > passwordRules.max) {
    throw badInput(`The password must be ${passwordRules.min} to ${passwordRules.max} characters long`, { field: 'password' });
  }
  if (new Set(password).size < 4) throw badInput('The password must use at least 4 different characters', { field: 'password' });
  if (password.toLowerCase() === email || password.toLowerCase().includes(email.split('@')[0] ?? email)) {
    throw badInput('The password must not contain your email address', { field: 'password' });
  }
}

/** Token scopes granted by roles. */
export function scopesOf(roles: Role[]): string[] {
  return roles.map((role) => role.toLowerCase());
}

/** Abuse limits: failed logins per account and per client address, sign-ups per client address. */
export const abuseLimits = {
  loginFailuresPerAccount: { limit: 5, windowMs: 15 * 60_000 },
  loginFailuresPerAddress: { limit: 30, windowMs: 15 * 60_000 },
  signUpsPerAddress: { limit: 10, windowMs: 60 * 60_000 },
};
