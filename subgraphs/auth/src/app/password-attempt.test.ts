import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '#kit/fault-injection';
import { eventually } from '#kit/testing';
import { changePassword } from './change-password.ts';
import type { AuthDeps } from './issue-session.ts';
import { login } from './login.ts';
import { signUp } from './sign-up.ts';
import { codeOf, startAuthDeps, viewerOfToken } from './testing.ts';

const password = 'correct horse battery';
let counter = 0;
/** A new client address per call, so only the account limit is met. */
const someAddress = () => `10.9.${Math.floor((counter += 1) / 250)}.${counter % 250}`;
const tally = (codes: string[]) =>
  Object.fromEntries([...new Set(codes)].sort().map((c) => [c, codes.filter((x) => x === c).length]));

describe('password attempts under the abuse limits (real PostgreSQL and Redis)', () => {
  let deps: AuthDeps;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ deps, stop } = await startAuthDeps());
  });
  afterAll(() => stop());

  const account = async (email: string) => {
    await signUp(deps, { email, password, displayName: 'Target' }, someAddress());
  };

  it('40 concurrent guesses at one account are counted before any password is checked: 5 are checked, and the right one sent last gets no session', async () => {
    await account('burst@example.com');
    const guesses = Array.from({ length: 40 }, (_, i) => (i === 39 ? password : `wrong guess ${i}`));
    const codes = await Promise.all(
      guesses.map((guess) => codeOf(login(deps, { email: 'burst@example.com', password: guess }, someAddress()))),
    );
    expect(tally(codes)).toEqual({ RATE_LIMITED: 35, UNAUTHENTICATED: 5 });
    expect(codes[39]).toBe('RATE_LIMITED');
  });

  it('the right password inside a burst clears only the attempts before it: the rest of the burst and the next try stay refused', async () => {
    await account('inside@example.com');
    const guesses = Array.from({ length: 40 }, (_, i) => (i === 2 ? password : `wrong guess ${i}`));
    const codes = await Promise.all(
      guesses.map((guess) => codeOf(login(deps, { email: 'inside@example.com', password: guess }, someAddress()))),
    );
    // Counted 1..40 in order: the first five are checked (the third is right), the other 35 are not.
    expect(codes.slice(0, 5)).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED', 'OK', 'UNAUTHENTICATED', 'UNAUTHENTICATED']);
    expect(tally(codes.slice(5))).toEqual({ RATE_LIMITED: 35 });
    expect(await codeOf(login(deps, { email: 'inside@example.com', password: 'one more guess' }, someAddress()))).toBe(
      'RATE_LIMITED',
    );
  });

  it('40 concurrent wrong logins from one address across accounts: 30 are checked, 10 refused unchecked', async () => {
    const codes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        codeOf(login(deps, { email: `nobody${i}@example.com`, password: 'a wrong one' }, '192.0.2.40')),
      ),
    );
    expect(tally(codes)).toEqual({ RATE_LIMITED: 10, UNAUTHENTICATED: 30 });
  });

  it('a crowd behind one address overshooting its limit is refused for the moment only: refused attempts are given back', async () => {
    const passwordHash = await deps.passwords.hash(password);
    const emails = Array.from({ length: 40 }, (_, i) => `crowd${i}@example.com`);
    for (const email of emails)
      await deps.accounts.save({ id: randomUUID(), email, displayName: 'C', passwordHash, roles: ['CUSTOMER'] });
    for (let round = 0; round < 3; round += 1) {
      const codes = await Promise.all(emails.map((email) => codeOf(login(deps, { email, password }, '198.51.100.77'))));
      expect(tally(codes)).toEqual({ OK: 30, RATE_LIMITED: 10 });
    }
  });

  it('a right password gives its attempt back: 40 sign-ins in a row from one address to one account all succeed', async () => {
    await account('office@example.com');
    const codes: string[] = [];
    for (let i = 0; i < 40; i += 1)
      codes.push(await codeOf(login(deps, { email: 'office@example.com', password }, '198.51.100.40')));
    expect(tally(codes)).toEqual({ OK: 40 });
  });

  it('wrong current passwords in changePassword count against the same account limit as logins', async () => {
    const session = await signUp(deps, { email: 'changer@example.com', password, displayName: 'C' }, someAddress());
    const viewer = await viewerOfToken(deps, session.accessToken);
    const codes = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        codeOf(
          changePassword(deps, viewer, { currentPassword: `guess ${i}`, newPassword: 'a brand new passphrase' }, someAddress()),
        ),
      ),
    );
    expect(tally(codes)).toEqual({ RATE_LIMITED: 3, UNAUTHENTICATED: 5 });
    expect(await codeOf(login(deps, { email: 'changer@example.com', password }, someAddress()))).toBe('RATE_LIMITED');
  });
});

describe('password attempts when Redis is down', () => {
  let redis: RedisServer;
  let client: Redis;
  let deps: AuthDeps;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    redis = await startRedisServer();
    // The options process.ts gives the services' Redis client today: commands queue without end.
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    ({ deps, stop } = await startAuthDeps({ redis: client }));
  });
  afterAll(async () => {
    await stop();
    client.disconnect();
    await redis.stop();
  });

  it('login, signUp and changePassword answer SERVICE_UNAVAILABLE within 2 s, check no password, and work again once Redis is back', async () => {
    const session = await signUp(deps, { email: 'outage@example.com', password, displayName: 'O' }, '203.0.113.1');
    const viewer = await viewerOfToken(deps, session.accessToken);
    await redis.kill();

    const started = Date.now();
    const codes = await Promise.all([
      codeOf(login(deps, { email: 'outage@example.com', password }, '203.0.113.1')),
      codeOf(signUp(deps, { email: 'later@example.com', password, displayName: 'L' }, '203.0.113.1')),
      codeOf(changePassword(deps, viewer, { currentPassword: password, newPassword: 'a brand new passphrase' }, '203.0.113.1')),
    ]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(codes).toEqual(['SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE']);
    expect(await deps.accounts.byEmail('later@example.com')).toBeNull();

    await redis.start();
    await eventually(
      async () => (await codeOf(login(deps, { email: 'outage@example.com', password }, '203.0.113.1'))) === 'OK',
      'login works again',
      10_000,
      100,
    );
  }, 15_000);
});
