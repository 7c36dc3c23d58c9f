/** Profiles in the users database (Prisma). */
import { PrismaClient } from '../__generated__/prisma/client.ts';
import { pgAdapter } from '#kit';
import { preferencesFrom, type Address, type UserProfile } from '../domain/user.ts';

export type UsersDb = InstanceType<typeof PrismaClient>;

/** A Prisma client on the users database; `log` enables query events (the batching test counts them). */
export function createUsersDb(databaseUrl: string, poolMax?: number, log = false): UsersDb {
  return new PrismaClient({ adapter: pgAdapter(databaseUrl, poolMax), log: log ? [{ emit: 'event', level: 'query' }] : [] });
}

type Row = { id: string; email: string; displayName: string; preferences: unknown; createdAt: Date };
const toProfile = (row: Row): UserProfile => ({ ...row, preferences: preferencesFrom(row.preferences) });

export function createUserStore(db: UsersDb) {
  return {
    async byIds(ids: readonly string[]): Promise<UserProfile[]> {
      const rows = await db.user.findMany({ where: { id: { in: [...ids] } } });
      return rows.map(toProfile);
    },

    async addressesOf(userIds: readonly string[]): Promise<Address[]> {
      return db.address.findMany({
        where: { userId: { in: [...userIds] } },
        orderBy: [{ isDefault: 'desc' }, { label: 'asc' }],
      });
    },

    /**
     * Creates the profile announced by event `eventId`, once: the processed-event row and the
     * profile commit together, so a redelivered event changes nothing. Returns false for a repeat.
     */
    async createFromEvent(eventId: string, profile: UserProfile): Promise<boolean> {
      return db.$transaction(async (tx) => {
        const fresh = await tx.processedEvent.createMany({
          data: [{ id: eventId, topic: 'user.registered' }],
          skipDuplicates: true,
        });
        if (fresh.count === 0) return false;
        await tx.user.upsert({
          where: { id: profile.id },
          create: { ...profile, preferences: { ...profile.preferences } },
          update: {},
        });
        return true;
      });
    },

    /** Inserts or replaces a profile and its addresses (demo data, admin tooling). */
    async save(profile: UserProfile, addresses: Omit<Address, 'userId'>[] = []): Promise<void> {
      await db.$transaction([
        db.user.upsert({
          where: { id: profile.id },
          create: { ...profile, preferences: { ...profile.preferences } },
          update: { email: profile.email, displayName: profile.displayName, preferences: { ...profile.preferences } },
        }),
        db.address.deleteMany({ where: { userId: profile.id } }),
        db.address.createMany({ data: addresses.map((a) => ({ ...a, userId: profile.id })) }),
      ]);
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;
