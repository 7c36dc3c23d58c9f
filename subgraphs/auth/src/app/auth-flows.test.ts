import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { createVerifier, DomainError } from '#kit';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import { createAccountStore, createAuthDb, type AuthDb } from '../adapters/prisma-account-store.ts';
import { createKeyRing, type KeyRing } from '../adapters/key-ring.ts';
import { login } from './login.ts';
import { logout, refreshSession } from './refresh-session.ts';
import { signUp } from './sign-up.ts';
import type { AuthDeps } from './issue-session.ts';

const settings = { issuer: 'meridian-auth', audience: 'meridian' };
let database: TestDatabase;
let db: AuthDb;
let keys: KeyRing;
let deps: AuthDeps;

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'OK',
    (error: unknown) => (error instanceof DomainError ? error.code : String(error)),
  );

beforeAll(async () => {
  database = await createTestDatabase('auth');
  db = createAuthDb(database.url, 4);
  keys = await createKeyRing(db, settings);
  deps = { accounts: createAccountStore(db), keys };
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

describe('auth flows (real PostgreSQL)', () => {
  it('sign-up stores a scrypt hash, writes user.registered to the outbox, and returns a verifiable token', async () => {
    const session = await signUp(deps, { email: 'Ada@Example.com', password: 'correct horse battery', displayName: 'Ada' });
    const account = await db.account.findUniqueOrThrow({ where: { email: 'ada@example.com' } });
    expect(account.passwordHash).toMatch(/^scrypt\$/);
    expect(account.passwordHash).not.toContain('correct horse');
    const outbox = await db.outboxEvent.findMany();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({
      topic: 'user.registered',
      payload: { userId: account.id, email: 'ada@example.com', displayName: 'Ada' },
    });

    const viewer = await createVerifier(createLocalJWKSet(keys.jwks()), settings)(session.accessToken);
    expect(viewer).toMatchObject({ id: account.id, roles: ['CUSTOMER'], scopes: ['customer'], isAdmin: false });
  });

  it('a second sign-up with the same email, in any case, is a CONFLICT', async () => {
    await signUp(deps, { email: 'grace@example.com', password: 'correct horse battery', displayName: 'Grace' });
    expect(await codeOf(signUp(deps, { email: ' GRACE@example.com', password: 'another good password', displayName: 'G' }))).toBe(
      'CONFLICT',
    );
  });

  it('login with a wrong password and with an unknown email fail the same way', async () => {
    await signUp(deps, { email: 'lin@example.com', password: 'correct horse battery', displayName: 'Lin' });
    const wrong = await login(deps, { email: 'lin@example.com', password: 'wrong password here' }).catch((e: DomainError) => e);
    const unknown = await login(deps, { email: 'nobody@example.com', password: 'wrong password here' }).catch(
      (e: DomainError) => e,
    );
    expect(wrong).toBeInstanceOf(DomainError);
    expect([(wrong as DomainError).code, (wrong as DomainError).message]).toEqual([
      (unknown as DomainError).code,
      (unknown as DomainError).message,
    ]);
    expect(await codeOf(login(deps, { email: 'lin@example.com', password: 'correct horse battery' }))).toBe('OK');
  });

  it('a refresh token works once; presenting it again revokes the whole family', async () => {
    const first = await signUp(deps, { email: 'rota@example.com', password: 'correct horse battery', displayName: 'Rota' });
    const second = await refreshSession(deps, first.refreshToken);
    const third = await refreshSession(deps, second.refreshToken);
    expect(third.accessToken).toBeTruthy();

    expect(await codeOf(refreshSession(deps, first.refreshToken))).toBe('UNAUTHENTICATED');
    // The thief's reuse also kills the legitimate, newest token of that family.
    expect(await codeOf(refreshSession(deps, third.refreshToken))).toBe('UNAUTHENTICATED');
  });

  it('logout revokes the session; an unknown token is a harmless no-op', async () => {
    const session = await login(deps, { email: 'rota@example.com', password: 'correct horse battery' });
    expect(await logout(deps, session.refreshToken)).toBe(true);
    expect(await codeOf(refreshSession(deps, session.refreshToken))).toBe('UNAUTHENTICATED');
    expect(await logout(deps, 'not-a-token')).toBe(true);
  });

  it('after key rotation new tokens use the new kid and tokens of the old key still verify', async () => {
    const before = await login(deps, { email: 'rota@example.com', password: 'correct horse battery' });
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    const rotated = await keys.rotate();
    const after = await login(deps, { email: 'rota@example.com', password: 'correct horse battery' });
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(rotated.kid);
    expect(rotated.kid).not.toBe(oldKid);

    const verify = createVerifier(createLocalJWKSet(keys.jwks()), settings);
    await expect(verify(before.accessToken)).resolves.toMatchObject({ scopes: ['customer'] });
    await expect(verify(after.accessToken)).resolves.toMatchObject({ scopes: ['customer'] });
  });
});
