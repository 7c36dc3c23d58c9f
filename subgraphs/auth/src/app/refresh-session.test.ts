import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { eventually } from '#kit/testing';
import type { AuthDb } from '../adapters/prisma-account-store.ts';
import type { Session } from '../domain/account.ts';
import { logoutAll } from './change-password.ts';
import type { AuthDeps } from './issue-session.ts';
import { logout, refreshSession } from './refresh-session.ts';
import { signUp } from './sign-up.ts';
import { codeOf, startAuthDeps, viewerOfToken } from './testing.ts';

let deps: AuthDeps;
let db: AuthDb;
let databaseUrl: string;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ deps, db, databaseUrl, stop } = await startAuthDeps());
});
afterAll(() => stop());

const revocations: [string, (session: Session) => Promise<unknown>][] = [
  ['logout', (session) => logout(deps, session.refreshToken)],
  ['logoutAll', async (session) => logoutAll(deps, await viewerOfToken(deps, session.accessToken))],
];

describe('refresh-token rotation against revocation (real PostgreSQL, concurrent transactions)', () => {
  it.each(revocations)(
    'a rotation still in flight when %s revokes its family does not survive the revocation',
    async (name, revoke) => {
      const session = await signUp(
        deps,
        { email: `${name.toLowerCase()}@example.com`, password: 'correct horse battery', displayName: 'R' },
        '10.3.0.1',
      );
      const { id: accountId } = await db.account.findUniqueOrThrow({ where: { email: `${name.toLowerCase()}@example.com` } });
      // Another transaction holds the account row, so the rotation stops just before it can write its
      // new token (the foreign key check waits) - an unlucky scheduling, made certain.
      const other = new pg.Client({ connectionString: databaseUrl });
      // Watches from outside any transaction (inside one, pg_stat_activity is a snapshot).
      const watcher = new pg.Client({ connectionString: databaseUrl });
      await Promise.all([other.connect(), watcher.connect()]);
      const waiting = (count: number) =>
        eventually(async () => {
          const { rows } = await watcher.query<{ n: string }>(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
          );
          return Number(rows[0]!.n) >= count;
        }, `${count} transaction(s) wait for a lock`);
      try {
        await other.query('BEGIN');
        await other.query('SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE', [accountId]);
        const rotation = refreshSession(deps, session.refreshToken);
        await waiting(1);
        const revocation = revoke(session);
        await waiting(2);
        await other.query('COMMIT');

        const [rotated] = await Promise.all([rotation, revocation]);
        // The rotation committed first, so its answer stands; but the token it issued belongs to a
        // revoked family and is refused like every other.
        expect(await codeOf(refreshSession(deps, rotated.refreshToken))).toBe('UNAUTHENTICATED');
        expect(await codeOf(refreshSession(deps, session.refreshToken))).toBe('UNAUTHENTICATED');
      } finally {
        await Promise.all([other.end(), watcher.end()]);
      }
    },
  );

  it('a family revoked before a rotation takes its lock leaves the rotation nothing to issue', async () => {
    const session = await signUp(
      deps,
      { email: 'first@example.com', password: 'correct horse battery', displayName: 'F' },
      '10.3.0.2',
    );
    await logout(deps, session.refreshToken);
    expect(await codeOf(refreshSession(deps, session.refreshToken))).toBe('UNAUTHENTICATED');
    expect(await db.refreshToken.count({ where: { account: { email: 'first@example.com' } } })).toBe(1);
  });
});
