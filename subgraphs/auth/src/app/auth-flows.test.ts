import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader } from 'jose';
import { createVerifier } from '#kit/auth';
import { DomainError } from '#kit/errors';
import type { AuthDb } from '../adapters/prisma-account-store.ts';
import { createPasswordHasher, defaultScryptCost } from '../adapters/password-hasher.ts';
import type { KeyRing } from '../ports.ts';
import { login, type Login } from './login.ts';
import { logout, refreshSession } from './refresh-session.ts';
import { changePassword, logoutAll } from './change-password.ts';
import { signUp, type SignUp } from './sign-up.ts';
import type { AuthDeps } from './issue-session.ts';
import { codeOf, startAuthDeps, tokenSettings as settings, viewerOfToken } from './testing.ts';

let db: AuthDb;
let keys: KeyRing;
let deps: AuthDeps;
let stop: () => Promise<void>;

let address = 0;
// Each call comes from a new client address unless one is given, so only the tests about limits meet them.
const signUpFrom = (input: SignUp, from = `10.0.${(address += 1)}.1`) => signUp(deps, input, from);
const loginFrom = (input: Login, from = `10.1.${(address += 1)}.1`) => login(deps, input, from);

beforeAll(async () => {
  ({ deps, db, stop } = await startAuthDeps());
  keys = deps.keys;
});
afterAll(() => stop());

describe('auth flows (real PostgreSQL)', () => {
  it('sign-up stores a scrypt hash, writes user.registered to the outbox, and returns a verifiable token', async () => {
    const session = await signUpFrom({ email: 'Ada@Example.com', password: 'correct horse battery', displayName: 'Ada' });
    const account = await db.account.findUniqueOrThrow({ where: { email: 'ada@example.com' } });
    expect(account.passwordHash).toMatch(/^scrypt\$/);
    expect(account.passwordHash).not.toContain('correct horse');
    const outbox = await db.outboxEvent.findMany();
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({
      topic: 'user.registered',
      payload: { userId: account.id, email: 'ada@example.com', displayName: 'Ada' },
    });

    const viewer = await viewerOfToken(deps, session.accessToken);
    expect(viewer).toMatchObject({ id: account.id, roles: ['CUSTOMER'], scopes: ['customer'], isAdmin: false });
  });

  it('a second sign-up with the same email, in any case, is a CONFLICT', async () => {
    await signUpFrom({ email: 'grace@example.com', password: 'correct horse battery', displayName: 'Grace' });
    expect(await codeOf(signUpFrom({ email: ' GRACE@example.com', password: 'another good password', displayName: 'G' }))).toBe(
      'CONFLICT',
    );
  });

  it('login with a wrong password and with an unknown email fail the same way', async () => {
    await signUpFrom({ email: 'lin@example.com', password: 'correct horse battery', displayName: 'Lin' });
    const wrong = await loginFrom({ email: 'lin@example.com', password: 'wrong password here' }).catch((e: DomainError) => e);
    const unknown = await loginFrom({ email: 'nobody@example.com', password: 'wrong password here' }).catch(
      (e: DomainError) => e,
    );
    expect(wrong).toBeInstanceOf(DomainError);
    expect([(wrong as DomainError).code, (wrong as DomainError).message]).toEqual([
      (unknown as DomainError).code,
      (unknown as DomainError).message,
    ]);
    expect(await codeOf(loginFrom({ email: 'lin@example.com', password: 'correct horse battery' }))).toBe('OK');
  });

  it('a refresh token works once; presenting it again revokes the whole family', async () => {
    const first = await signUpFrom({ email: 'rota@example.com', password: 'correct horse battery', displayName: 'Rota' });
    const second = await refreshSession(deps, first.refreshToken);
    const third = await refreshSession(deps, second.refreshToken);
    expect(third.accessToken).toBeTruthy();

    expect(await codeOf(refreshSession(deps, first.refreshToken))).toBe('UNAUTHENTICATED');
    // The thief's reuse also kills the legitimate, newest token of that family.
    expect(await codeOf(refreshSession(deps, third.refreshToken))).toBe('UNAUTHENTICATED');
  });

  it('logout revokes the session; an unknown token is a harmless no-op', async () => {
    const session = await loginFrom({ email: 'rota@example.com', password: 'correct horse battery' });
    expect(await logout(deps, session.refreshToken)).toBe(true);
    expect(await codeOf(refreshSession(deps, session.refreshToken))).toBe('UNAUTHENTICATED');
    expect(await logout(deps, 'not-a-token')).toBe(true);
  });

  it('after key rotation new tokens use the new kid and tokens of the old key still verify', async () => {
    const before = await loginFrom({ email: 'rota@example.com', password: 'correct horse battery' });
    const oldKid = decodeProtectedHeader(before.accessToken).kid;
    const rotated = await keys.rotate();
    const after = await loginFrom({ email: 'rota@example.com', password: 'correct horse battery' });
    expect(decodeProtectedHeader(after.accessToken).kid).toBe(rotated.kid);
    expect(rotated.kid).not.toBe(oldKid);

    const verify = createVerifier(createLocalJWKSet(await keys.jwks()), settings);
    await expect(verify(before.accessToken)).resolves.toMatchObject({ scopes: ['customer'] });
    await expect(verify(after.accessToken)).resolves.toMatchObject({ scopes: ['customer'] });
  });

  it('logoutAll revokes the sessions of every device of the account, and only of that account', async () => {
    const phone = await signUpFrom({ email: 'many@example.com', password: 'correct horse battery', displayName: 'Many' });
    const laptop = await loginFrom({ email: 'many@example.com', password: 'correct horse battery' });
    const other = await loginFrom({ email: 'rota@example.com', password: 'correct horse battery' });
    const viewer = await viewerOfToken(deps, laptop.accessToken);
    expect(await logoutAll(deps, viewer)).toBe(true);
    expect(await codeOf(refreshSession(deps, phone.refreshToken))).toBe('UNAUTHENTICATED');
    expect(await codeOf(refreshSession(deps, laptop.refreshToken))).toBe('UNAUTHENTICATED');
    expect(await codeOf(refreshSession(deps, other.refreshToken))).toBe('OK');
    expect(await codeOf(logoutAll(deps, null))).toBe('UNAUTHENTICATED');
  });

  it('changePassword needs the current password, applies the policy, and revokes the other sessions', async () => {
    const first = await signUpFrom({ email: 'pw@example.com', password: 'correct horse battery', displayName: 'Pw' });
    const viewer = await viewerOfToken(deps, first.accessToken);
    expect(
      await codeOf(
        changePassword(deps, viewer, { currentPassword: 'not my password', newPassword: 'a brand new passphrase' }, '10.2.0.1'),
      ),
    ).toBe('UNAUTHENTICATED');
    expect(
      await codeOf(changePassword(deps, viewer, { currentPassword: 'correct horse battery', newPassword: 'short' }, '10.2.0.1')),
    ).toBe('BAD_USER_INPUT');
    const fresh = await changePassword(
      deps,
      viewer,
      { currentPassword: 'correct horse battery', newPassword: 'a brand new passphrase' },
      '10.2.0.1',
    );
    expect(await codeOf(refreshSession(deps, first.refreshToken))).toBe('UNAUTHENTICATED');
    expect(await codeOf(refreshSession(deps, fresh.refreshToken))).toBe('OK');
    expect(await codeOf(loginFrom({ email: 'pw@example.com', password: 'correct horse battery' }))).toBe('UNAUTHENTICATED');
    expect(await codeOf(loginFrom({ email: 'pw@example.com', password: 'a brand new passphrase' }))).toBe('OK');
  });

  it('access tokens carry email and name, so `me` can answer before the profile exists', async () => {
    const session = await signUpFrom({ email: 'Claims@Example.com', password: 'correct horse battery', displayName: 'Claire' });
    const viewer = await viewerOfToken(deps, session.accessToken);
    expect(viewer).toMatchObject({ email: 'claims@example.com', name: 'Claire' });
    expect(viewer.expiresAt! - Math.floor(Date.now() / 1000)).toBeGreaterThan(14 * 60);
    expect(viewer.expiresAt! - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(15 * 60);
  });

  it('five failed logins for one account lock it for 15 minutes, even from new addresses and with the right password', async () => {
    await signUpFrom({ email: 'target@example.com', password: 'correct horse battery', displayName: 'Target' });
    for (let i = 0; i < 5; i += 1) {
      expect(await codeOf(loginFrom({ email: 'target@example.com', password: `guess number ${i}` }))).toBe('UNAUTHENTICATED');
    }
    const limited = await loginFrom({ email: 'TARGET@example.com', password: 'correct horse battery' }).catch(
      (e: DomainError) => e,
    );
    expect(limited).toBeInstanceOf(DomainError);
    expect((limited as DomainError).code).toBe('RATE_LIMITED');
    expect((limited as DomainError).details.retryAfterSeconds).toBeGreaterThan(14 * 60);
    // Another account is not affected.
    expect(await codeOf(loginFrom({ email: 'lin@example.com', password: 'correct horse battery' }))).toBe('OK');
  });

  it('a successful login clears the account counter', async () => {
    await signUpFrom({ email: 'clumsy@example.com', password: 'correct horse battery', displayName: 'Clumsy' });
    for (let round = 0; round < 3; round += 1) {
      for (let i = 0; i < 4; i += 1) await codeOf(loginFrom({ email: 'clumsy@example.com', password: 'typo typo typo' }));
      expect(await codeOf(loginFrom({ email: 'clumsy@example.com', password: 'correct horse battery' }))).toBe('OK');
    }
  });

  it('one client address that keeps failing is limited across accounts', async () => {
    const from = '192.0.2.77';
    for (let i = 0; i < 30; i += 1)
      await codeOf(loginFrom({ email: `nobody${i}@example.com`, password: 'whatever it is' }, from));
    expect(await codeOf(loginFrom({ email: 'lin@example.com', password: 'correct horse battery' }, from))).toBe('RATE_LIMITED');
    expect(await codeOf(loginFrom({ email: 'lin@example.com', password: 'correct horse battery' }, '192.0.2.78'))).toBe('OK');
  });

  it('sign-ups are limited per client address', async () => {
    const from = '198.51.100.9';
    for (let i = 0; i < 10; i += 1) {
      expect(
        await codeOf(signUpFrom({ email: `burst${i}@example.com`, password: 'correct horse battery', displayName: 'B' }, from)),
      ).toBe('OK');
    }
    expect(
      await codeOf(signUpFrom({ email: 'burst10@example.com', password: 'correct horse battery', displayName: 'B' }, from)),
    ).toBe('RATE_LIMITED');
  });

  it('a successful login replaces a hash made at an older, lower cost with one at the production cost', async () => {
    const oldHash = await createPasswordHasher({ ...defaultScryptCost, N: 2 ** 15 }).hash('correct horse battery');
    await deps.accounts.save({
      id: randomUUID(),
      email: 'old@example.com',
      displayName: 'Old',
      passwordHash: oldHash,
      roles: ['CUSTOMER'],
    });
    const production = { ...deps, passwords: createPasswordHasher() };

    expect(await codeOf(login(production, { email: 'old@example.com', password: 'wrong password here' }, '10.4.0.1'))).toBe(
      'UNAUTHENTICATED',
    );
    expect((await db.account.findUniqueOrThrow({ where: { email: 'old@example.com' } })).passwordHash).toBe(oldHash);

    expect(await codeOf(login(production, { email: 'old@example.com', password: 'correct horse battery' }, '10.4.0.1'))).toBe(
      'OK',
    );
    const { passwordHash } = await db.account.findUniqueOrThrow({ where: { email: 'old@example.com' } });
    expect(passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await codeOf(login(production, { email: 'old@example.com', password: 'correct horse battery' }, '10.4.0.1'))).toBe(
      'OK',
    );
  });
});
