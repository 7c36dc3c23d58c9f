import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import { newAddress, newProfile } from '../domain/user.ts';
import { createUserStore, createUsersDb, type UsersDb } from './prisma-user-store.ts';

let database: TestDatabase;
let db: UsersDb;

beforeAll(async () => {
  database = await createTestDatabase('users');
  db = createUsersDb(database.url, 2);
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

describe('prisma user store (real PostgreSQL)', () => {
  it('creates a profile from a user.registered event exactly once, however often it is delivered', async () => {
    const store = createUserStore(db);
    const profile = newProfile({ id: crypto.randomUUID(), email: 'ada@example.com', displayName: 'Ada' }, new Date());
    expect(await store.createFromEvent('event-1', profile)).toBe(true);
    expect(await store.createFromEvent('event-1', { ...profile, displayName: 'Changed' })).toBe(false);
    const [stored] = await store.byIds([profile.id]);
    expect(stored?.displayName).toBe('Ada');
    expect(await db.processedEvent.count()).toBe(1);
  });

  it('loads many profiles and their addresses, default address first', async () => {
    const store = createUserStore(db);
    const a = newProfile({ id: crypto.randomUUID(), email: 'a@example.com', displayName: 'A' }, new Date());
    const b = newProfile({ id: crypto.randomUUID(), email: 'b@example.com', displayName: 'B' }, new Date());
    const address = {
      label: 'Work',
      line1: '1 Road',
      line2: null,
      city: 'Lisbon',
      postalCode: '1000-001',
      country: 'PT',
      isDefault: false,
    };
    await store.save(a, [
      { id: crypto.randomUUID(), ...address },
      { id: crypto.randomUUID(), ...address, label: 'Home', isDefault: true },
    ]);
    await store.save(b);
    const profiles = await store.byIds([a.id, b.id]);
    expect(profiles.map((p) => p.email).sort()).toEqual(['a@example.com', 'b@example.com']);
    const addresses = await store.addressesOf([a.id, b.id]);
    expect(addresses.map((x) => x.label)).toEqual(['Home', 'Work']);
  });

  it('announces every change of an address book with the whole book and a version that only grows', async () => {
    let woken = 0;
    const store = createUserStore(db, { onEventsWritten: () => (woken += 1) });
    const profile = newProfile({ id: crypto.randomUUID(), email: 'c@example.com', displayName: 'C' }, new Date());
    const input = { label: 'Home', line1: '1 Road', city: 'Porto', postalCode: '4000-001', country: 'pt' };
    // No profile yet (user.registered still in flight): adding an address creates it.
    const home = await store.addAddress(profile, newAddress(input, crypto.randomUUID()), 20);
    const work = await store.addAddress(profile, newAddress({ ...input, label: 'Work' }, crypto.randomUUID()), 20);
    expect([home.isDefault, work.isDefault]).toEqual([true, false]);
    await store.removeAddress(profile.id, home.id);
    const events = await db.outboxEvent.findMany({
      where: { payload: { path: ['userId'], equals: profile.id } },
      orderBy: { seq: 'asc' },
    });
    expect(events.map((e) => e.payload)).toEqual([
      { userId: profile.id, addressIds: [home.id], version: 1 },
      { userId: profile.id, addressIds: expect.arrayContaining([home.id, work.id]) as unknown, version: 2 },
      { userId: profile.id, addressIds: [work.id], version: 3 },
    ]);
    expect(events.every((e) => e.topic === 'user.addresses_changed')).toBe(true);
    expect(woken).toBe(3);
    expect((await store.addressesOf([profile.id]))[0]).toMatchObject({ id: work.id, isDefault: true }); // the default moved
  });

  it("refuses an address past the limit, and another user's address to remove", async () => {
    const store = createUserStore(db);
    const profile = newProfile({ id: crypto.randomUUID(), email: 'd@example.com', displayName: 'D' }, new Date());
    const input = { label: 'Home', line1: '1 Road', city: 'Porto', postalCode: '4000-001', country: 'PT' };
    const only = await store.addAddress(profile, newAddress(input, crypto.randomUUID()), 1);
    await expect(store.addAddress(profile, newAddress(input, crypto.randomUUID()), 1)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    const other = newProfile({ id: crypto.randomUUID(), email: 'e@example.com', displayName: 'E' }, new Date());
    await store.save(other);
    await expect(store.removeAddress(other.id, only.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await store.addressesOf([profile.id])).toHaveLength(1);
  });
});
