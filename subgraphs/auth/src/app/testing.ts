/** What the auth use-case tests share: real PostgreSQL and Redis, fresh per test file. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createLocalJWKSet } from 'jose';
import { createVerifier, type Viewer } from '#kit/auth';
import { DomainError } from '#kit/errors';
import { createRedisRateLimiter } from '#kit/rate-limiter';
import { createTestDatabase, testRedisUrl } from '#kit/testing';
import { createAccountStore, createAuthDb, type AuthDb } from '../adapters/prisma-account-store.ts';
import { createKeyRing } from '../adapters/key-ring.ts';
import { createPasswordHasher } from '../adapters/password-hasher.ts';
import type { AuthDeps } from './issue-session.ts';

export const tokenSettings = { issuer: 'meridian-auth', audience: 'meridian' };

/**
 * A cheap scrypt cost: these tests are about flows and limits, and hash dozens of passwords.
 * password-hasher.test.ts checks the production cost.
 */
export const fastHashing = createPasswordHasher({ N: 2 ** 10, r: 8, p: 1 });

/** The viewer an access token stands for, verified against the published keys (the JWKS). */
export const viewerOfToken = async (deps: AuthDeps, token: string): Promise<Viewer> =>
  createVerifier(createLocalJWKSet(await deps.keys.jwks()), tokenSettings)(token);

/** The code of a DomainError the promise rejects with, 'OK' when it resolves. */
export const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'OK',
    (error: unknown) => (error instanceof DomainError ? error.code : String(error)),
  );

/**
 * A fresh auth database with its key ring, and the limiter's counters in the machine's Redis under a
 * prefix of this run's own. `redis` replaces the Redis connection (a private server to kill).
 */
export async function startAuthDeps(
  options: { redis?: Redis } = {},
): Promise<{ deps: AuthDeps; db: AuthDb; databaseUrl: string; stop(): Promise<void> }> {
  const database = await createTestDatabase('auth');
  const db = createAuthDb(database.url, 4);
  const redis = options.redis ?? new Redis(testRedisUrl);
  const deps: AuthDeps = {
    accounts: createAccountStore(db),
    keys: await createKeyRing(db, tokenSettings),
    limiter: createRedisRateLimiter(redis, { prefix: `meridian:test:${randomUUID()}:` }),
    passwords: fastHashing,
  };
  return {
    deps,
    db,
    databaseUrl: database.url,
    async stop() {
      if (!options.redis) await redis.quit();
      await db.$disconnect();
      await database.drop();
    },
  };
}
