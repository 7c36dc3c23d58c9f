/**
 * The boundaries the auth use cases need: the accounts and refresh tokens (adapters/prisma-account-store.ts),
 * the signing keys (adapters/key-ring.ts) and the password hashing (adapters/password-hasher.ts).
 */
import type { DomainEvent } from '#kit/events';
import type { JWK } from 'jose';
import type { AccountIdentity, AccountRef, Role } from './domain/account.ts';
import type { PublicSigningKey } from './domain/signing-key.ts';

export interface StoredAccount extends AccountIdentity {
  passwordHash: string;
}

/** An account as written: by sign-up, or as demo data. */
export interface NewAccount {
  id: string;
  email: string;
  displayName: string;
  passwordHash: string;
  roles: Role[];
}

/** A refresh token as issued (only its hash is stored). */
export interface IssuedRefreshToken {
  accountId: string;
  familyId: string;
  tokenHash: string;
  expiresAt: Date;
}

export interface StoredRefreshToken {
  id: string;
  accountId: string;
  familyId: string;
  expiresAt: Date;
  rotatedAt: Date | null;
  /** When the token's family was revoked. */
  revokedAt: Date | null;
}

/** Accounts, their refresh-token families and the outbox of the auth database. */
export interface AccountStore {
  byEmail(email: string): Promise<StoredAccount | null>;
  byId(id: string): Promise<StoredAccount | null>;
  byIds(ids: readonly string[]): Promise<AccountRef[]>;
  identity(id: string): Promise<AccountIdentity | null>;
  /** Creates the account and its `user.registered` outbox event in one transaction; null when the email is taken. */
  create(account: NewAccount, event: DomainEvent): Promise<StoredAccount | null>;
  /** Inserts or updates an account by id (demo data). */
  save(account: NewAccount): Promise<void>;
  /** Starts a refresh-token family (one login) with its first token. */
  issueRefreshToken(token: IssuedRefreshToken): Promise<void>;
  /** The token with its family's revocation (a token is revoked when its family is). */
  refreshTokenByHash(tokenHash: string): Promise<StoredRefreshToken | null>;
  /**
   * Marks `id` rotated and issues its successor, atomically: `revoked` when its family is,
   * `reused` when another request rotated `id` first.
   */
  rotateRefreshToken(id: string, next: IssuedRefreshToken): Promise<'rotated' | 'revoked' | 'reused'>;
  /** Revokes a family: every token of it stops working, including one a rotation in flight issues. */
  revokeFamily(familyId: string): Promise<unknown>;
  /** Revokes every refresh-token family of an account (log out everywhere). Returns how many were live. */
  revokeAll(accountId: string): Promise<number>;
  /** Replaces a hash by a stronger one of the same password, unless the password changed meanwhile. */
  upgradePasswordHash(accountId: string, from: string, to: string): Promise<void>;
  /** Replaces the password hash and revokes every refresh token, in one transaction. */
  changePasswordHash(accountId: string, passwordHash: string): Promise<void>;
}

/** What an access token says. */
export interface AccessTokenClaims {
  sub: string;
  roles: string[];
  scope: string;
  email: string;
  name: string;
}

/** The signing keys: the newest signs, all unretired ones verify. */
export interface KeyRing {
  sign(claims: AccessTokenClaims, ttlSeconds: number): Promise<{ token: string; expiresAt: Date }>;
  /** Adds a new key and makes it the signing key; older keys keep verifying. */
  rotate(): Promise<PublicSigningKey>;
  /** The public keys in the database now, newest first. */
  publicKeys(): Promise<PublicSigningKey[]>;
  /** The JWKS document served at `/.well-known/jwks.json`. */
  jwks(): Promise<{ keys: JWK[] }>;
}

/** Hashes and checks passwords. */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, stored: string): Promise<boolean>;
  /** Checks `password` against a decoy hash: the same work as a real check, for no account. */
  verifyDecoy(password: string): Promise<void>;
  /** True when `stored` was made at a lower cost than this hasher's (rehash it at the next sign-in). */
  needsRehash(stored: string): boolean;
}
