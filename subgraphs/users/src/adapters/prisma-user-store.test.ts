import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import { newProfile } from '../domain/user.ts';
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
});
