/** users' `user.registered` handler over a real bus and database: a profile per event, poison payloads dead-lettered. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus, domainEvent } from '#kit/events';
import { createLogger } from '#kit/logger';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import { createUserStore, createUsersDb, type UsersDb } from '../adapters/prisma-user-store.ts';
import { registerProfile } from './register-profile.ts';

const logger = createLogger('test', 'silent');
let database: TestDatabase;
let db: UsersDb;
const bus = createInProcessEventBus(logger, { maxDeliveries: 2, backoffMs: 10 });

beforeAll(async () => {
  database = await createTestDatabase('users');
  db = createUsersDb(database.url, 2);
  const users = createUserStore(db);
  bus.subscribe('user.registered', 'users', (event) => registerProfile({ users, logger }, event));
});
afterAll(async () => {
  await bus.close();
  await db.$disconnect();
  await database.drop();
});

const waitFor = async (done: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await done()); i += 1) await new Promise((r) => setTimeout(r, 10));
};

describe('user.registered (real PostgreSQL, in-process bus)', () => {
  it('a user.registered event creates the profile', async () => {
    const userId = randomUUID();
    const registeredAt = new Date().toISOString();
    await bus.publish(domainEvent('user.registered', { userId, email: 'grace@example.com', displayName: 'Grace', registeredAt }));
    await waitFor(async () => (await db.user.count({ where: { id: userId } })) > 0);
    const [profile] = await createUserStore(db).byIds([userId]);
    expect(profile?.displayName).toBe('Grace');
  });

  it('a malformed user.registered is dead-lettered at once without creating a profile', async () => {
    const poison = domainEvent('user.registered', { userId: 'not-a-uuid', email: '', displayName: 'Nobody' });
    await bus.publish(poison);
    await waitFor(async () => (await bus.deadLetters()).length > 0);
    const letters = await bus.deadLetters();
    expect(letters.map((l) => [l.event.id, l.group, l.reason, l.deliveries])).toEqual([[poison.id, 'users', 'content', 1]]);
    expect(await db.processedEvent.count({ where: { id: poison.id } })).toBe(0);
    expect(await db.user.count({ where: { displayName: 'Nobody' } })).toBe(0);
  });
});
