/** Accounts, refresh tokens, signing keys and the outbox in the auth database (Prisma). */
import { PrismaClient } from '../__generated__/prisma/client.ts';
import { pgAdapter } from '#kit/database';
import type { DomainEvent } from '#kit/events';
import { writeOutbox } from '#kit/outbox';
import type { AccountIdentity, AccountRef } from '../domain/account.ts';
import type { AccountStore, IssuedRefreshToken, NewAccount, StoredAccount, StoredRefreshToken } from '../ports.ts';

export type AuthDb = InstanceType<typeof PrismaClient>;

export function createAuthDb(databaseUrl: string, poolMax?: number, log = false): AuthDb {
  return new PrismaClient({ adapter: pgAdapter(databaseUrl, poolMax), log: log ? [{ emit: 'event', level: 'query' }] : [] });
}

/** The account store on the auth database. */
export function createAccountStore(db: AuthDb): AccountStore {
  return {
    byEmail: (email: string): Promise<StoredAccount | null> => db.account.findUnique({ where: { email } }),

    async byIds(ids: readonly string[]): Promise<AccountRef[]> {
      return db.account.findMany({ where: { id: { in: [...ids] } }, select: { id: true, roles: true } });
    },

    identity: (id: string): Promise<AccountIdentity | null> =>
      db.account.findUnique({ where: { id }, select: { id: true, roles: true, email: true, displayName: true } }),

    /**
     * Creates the account and its `user.registered` outbox event in one transaction.
     * Returns null when the email is taken.
     */
    async create(account: NewAccount, event: DomainEvent): Promise<StoredAccount | null> {
      try {
        return await db.$transaction(async (tx) => {
          const created = await tx.account.create({ data: account });
          await writeOutbox(tx, [event]);
          return created;
        });
      } catch (error) {
        if ((error as { code?: string }).code === 'P2002') return null;
        throw error;
      }
    },

    /** Inserts or updates an account by id (demo data). */
    async save(account: NewAccount): Promise<void> {
      await db.account.upsert({ where: { id: account.id }, create: account, update: account });
    },

    /** Starts a refresh-token family (one login) with its first token. */
    async issueRefreshToken(token: IssuedRefreshToken): Promise<void> {
      const { familyId, ...first } = token;
      await db.refreshTokenFamily.create({ data: { id: familyId, accountId: token.accountId, tokens: { create: first } } });
    },

    /** The token with its family's revocation (a token is revoked when its family is). */
    async refreshTokenByHash(tokenHash: string): Promise<StoredRefreshToken | null> {
      const row = await db.refreshToken.findUnique({
        where: { tokenHash },
        include: { family: { select: { revokedAt: true } } },
      });
      if (!row) return null;
      const { family, ...token } = row;
      return { ...token, revokedAt: family.revokedAt };
    },

    /**
     * Marks `id` rotated and issues its successor, atomically, holding the family row's lock: a
     * revocation of the family waits for it (and then covers the successor too), or went first (and
     * then this finds the family revoked). `reused` means another request rotated `id` first.
     */
    async rotateRefreshToken(id: string, next: IssuedRefreshToken): Promise<'rotated' | 'revoked' | 'reused'> {
      return db.$transaction(async (tx) => {
        const [family] = await tx.$queryRawUnsafe<{ revoked: boolean }[]>(
          'SELECT revoked_at IS NOT NULL AS revoked FROM refresh_token_families WHERE id = $1::uuid FOR UPDATE',
          next.familyId,
        );
        if (!family || family.revoked) return 'revoked';
        const marked = await tx.refreshToken.updateMany({ where: { id, rotatedAt: null }, data: { rotatedAt: new Date() } });
        if (marked.count === 0) return 'reused';
        await tx.refreshToken.create({ data: next });
        return 'rotated';
      });
    },

    /** Revokes a family: every token of it stops working, including one a rotation in flight issues. */
    revokeFamily: (familyId: string) =>
      db.refreshTokenFamily.updateMany({ where: { id: familyId, revokedAt: null }, data: { revokedAt: new Date() } }),

    /** Revokes every refresh-token family of an account (log out everywhere). Returns how many were live. */
    async revokeAll(accountId: string): Promise<number> {
      const revoked = await db.refreshTokenFamily.updateMany({
        where: { accountId, revokedAt: null },
        data: { revokedAt: new Date() },
      });
      return revoked.count;
    },

    byId: (id: string): Promise<StoredAccount | null> => db.account.findUnique({ where: { id } }),

    /**
     * Replaces a hash by a stronger one of the same password (sessions untouched) — unless the
     * password changed meanwhile, which keeps the newer hash.
     */
    async upgradePasswordHash(accountId: string, from: string, to: string): Promise<void> {
      await db.account.updateMany({ where: { id: accountId, passwordHash: from }, data: { passwordHash: to } });
    },

    /** Replaces the password hash and revokes every refresh token, in one transaction. */
    async changePasswordHash(accountId: string, passwordHash: string): Promise<void> {
      await db.$transaction([
        db.account.update({ where: { id: accountId }, data: { passwordHash } }),
        db.refreshTokenFamily.updateMany({ where: { accountId, revokedAt: null }, data: { revokedAt: new Date() } }),
      ]);
    },
  };
}
