/** Profiles and address books in the users database (Prisma). */
import { PrismaClient } from '../__generated__/prisma/client.ts';
import { pgAdapter } from '#kit/database';
import { badInput, notFound } from '#kit/errors';
import { markProcessed, outboxEvent, writeOutbox } from '#kit/outbox';
import { preferencesFrom, type Address, type UserProfile } from '../domain/user.ts';
import type { UserStore } from '../ports.ts';

/** Announces a user's whole address book, with its version, whenever it changes (orders keeps a copy). */
export const addressesChangedTopic = 'user.addresses_changed';
export interface AddressesChanged {
  userId: string;
  addressIds: string[];
  version: number;
}

export type UsersDb = InstanceType<typeof PrismaClient>;

/** A Prisma client on the users database; `log` enables query events (the batching test counts them). */
export function createUsersDb(databaseUrl: string, poolMax?: number, log = false): UsersDb {
  return new PrismaClient({ adapter: pgAdapter(databaseUrl, poolMax), log: log ? [{ emit: 'event', level: 'query' }] : [] });
}

type Row = { id: string; email: string; displayName: string; preferences: unknown; createdAt: Date };
const toProfile = (row: Row): UserProfile => ({ ...row, preferences: preferencesFrom(row.preferences) });

type Tx = Omit<UsersDb, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/**
 * Bumps the user's address-book version, taking the user's row lock: changes to one book commit one
 * after another, and their versions in that order.
 */
async function nextBookVersion(tx: Tx, userId: string): Promise<number> {
  const [row] = await tx.$queryRawUnsafe<{ version: number }[]>(
    `UPDATE users SET address_version = address_version + 1 WHERE id = $1::uuid RETURNING address_version AS version`,
    userId,
  );
  if (!row) throw notFound('The profile');
  return row.version;
}

/** Writes `user.addresses_changed` with the book as it is now in `tx`. */
async function announceBook(tx: Tx, userId: string, version: number): Promise<void> {
  const addressIds = (await tx.address.findMany({ where: { userId }, select: { id: true } })).map((a) => a.id);
  const payload: AddressesChanged = { userId, addressIds, version };
  await writeOutbox(tx, [outboxEvent(addressesChangedTopic, payload)]);
}

export function createUserStore(db: UsersDb, options: { onEventsWritten?: () => void } = {}): UserStore {
  const eventsWritten = () => options.onEventsWritten?.();
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
        if (!(await markProcessed(tx, { id: eventId, topic: 'user.registered' }))) return false;
        await tx.user.upsert({
          where: { id: profile.id },
          create: { ...profile, preferences: { ...profile.preferences } },
          update: {},
        });
        return true;
      });
    },

    /**
     * Adds an address to `profile.id`'s book (creating the profile from `profile` if the
     * `user.registered` event has not yet), announcing the new book in the same transaction. The
     * first address, or one marked default, becomes the default. BAD_USER_INPUT past `max` addresses.
     */
    async addAddress(profile: UserProfile, address: Omit<Address, 'userId'>, max: number): Promise<Address> {
      const added = await db.$transaction(async (tx) => {
        await tx.user.upsert({
          where: { id: profile.id },
          create: { ...profile, preferences: { ...profile.preferences } },
          update: {},
        });
        const version = await nextBookVersion(tx, profile.id);
        const count = await tx.address.count({ where: { userId: profile.id } });
        if (count >= max) throw badInput(`A profile keeps at most ${max} addresses; remove one first`, { field: 'addresses' });
        const isDefault = address.isDefault || count === 0;
        if (isDefault) await tx.address.updateMany({ where: { userId: profile.id }, data: { isDefault: false } });
        const created = await tx.address.create({ data: { ...address, isDefault, userId: profile.id } });
        await announceBook(tx, profile.id, version);
        return created;
      });
      eventsWritten();
      return added;
    },

    /**
     * Removes one of `userId`'s addresses and announces the book; another becomes the default if the
     * default went. NOT_FOUND when the user has no such address.
     */
    async removeAddress(userId: string, addressId: string): Promise<void> {
      await db.$transaction(async (tx) => {
        const version = await nextBookVersion(tx, userId);
        const removed = await tx.address.findFirst({ where: { id: addressId, userId } });
        if (!removed) throw notFound('The address');
        await tx.address.delete({ where: { id: addressId } });
        if (removed.isDefault) {
          const next = await tx.address.findFirst({ where: { userId }, orderBy: { label: 'asc' } });
          if (next) await tx.address.update({ where: { id: next.id }, data: { isDefault: true } });
        }
        await announceBook(tx, userId, version);
      });
      eventsWritten();
    },

    /** Inserts or replaces a profile and its addresses (demo data, admin tooling), announcing the book. */
    async save(profile: UserProfile, addresses: Omit<Address, 'userId'>[] = []): Promise<void> {
      await db.$transaction(async (tx) => {
        await tx.user.upsert({
          where: { id: profile.id },
          create: { ...profile, preferences: { ...profile.preferences } },
          update: { email: profile.email, displayName: profile.displayName, preferences: { ...profile.preferences } },
        });
        const version = await nextBookVersion(tx, profile.id);
        await tx.address.deleteMany({ where: { userId: profile.id } });
        await tx.address.createMany({ data: addresses.map((a) => ({ ...a, userId: profile.id })) });
        await announceBook(tx, profile.id, version);
      });
      eventsWritten();
    },
  };
}
