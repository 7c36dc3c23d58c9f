/** The transactional outbox on a real PostgreSQL database (the orders schema has the tables). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgPool, sqlClient, type SqlClient } from './database.js';
import { createInProcessEventBus, domainEvent, type DomainEvent } from './events.js';
import { createLogger } from './logger.js';
import { markProcessed, outboxEvent, startOutboxRelay, writeOutbox } from './outbox.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

const logger = createLogger('test', 'silent');
let database: TestDatabase;
let pool: ReturnType<typeof pgPool>;
let sql: SqlClient;

beforeAll(async () => {
  database = await createTestDatabase('orders');
  pool = pgPool(database.url, 4);
  sql = sqlClient(pool);
});
afterAll(async () => {
  await pool.end();
  await database.drop();
});

describe('the outbox relay', () => {
  it('publishes what a transaction wrote once it commits, in order, and nothing a rollback wrote', async () => {
    const bus = createInProcessEventBus(logger);
    const seen: DomainEvent[] = [];
    bus.subscribe('test.happened', 'test', async (e) => void seen.push(e));
    const relay = startOutboxRelay({ db: sql, bus, logger, intervalMs: 60_000 });
    try {
      const [first, second] = [outboxEvent('test.happened', { n: 1 }), outboxEvent('test.happened', { n: 2 })];
      await sql.$transaction((tx) => writeOutbox(tx, [first, second]));
      await sql
        .$transaction(async (tx) => {
          await writeOutbox(tx, [outboxEvent('test.happened', { n: 'rolled back' })]);
          throw new Error('abort');
        })
        .catch(() => undefined);
      relay.wake(); // what a store does after its commit: no waiting for the (here 60 s) poll
      await expect.poll(() => seen.length, { timeout: 2_000 }).toBe(2);
      expect(seen.map((e) => [e.id, e.payload])).toEqual([
        [first.id, { n: 1 }],
        [second.id, { n: 2 }],
      ]);
      expect(await relay.flush()).toBe(0); // marked published: never sent again
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toHaveLength(2);
    } finally {
      await relay.stop();
      await bus.close();
    }
  });

  it('prunes published rows and processed-event records past the retention, and keeps the unpublished', async () => {
    const bus = createInProcessEventBus(logger);
    const relay = startOutboxRelay({ db: sql, bus, logger, intervalMs: 60_000, retentionMs: 0 });
    try {
      await sql.$transaction((tx) => writeOutbox(tx, [outboxEvent('test.pruned', {})]));
      await relay.flush();
      await sql.$transaction((tx) => writeOutbox(tx, [outboxEvent('test.kept', {})]));
      const handled = domainEvent('test.long.ago', {});
      await sql.$transaction((tx) => markProcessed(tx, handled));
      await sql.$executeRawUnsafe(
        `UPDATE processed_events SET handled_at = now() - interval '1 second' WHERE id = $1`,
        handled.id,
      );
      expect(await relay.prune()).toBeGreaterThanOrEqual(1);
      const rows = await sql.$queryRawUnsafe<{ topic: string }[]>(`SELECT topic FROM outbox_events`);
      expect(rows.map((r) => r.topic)).toEqual(['test.kept']);
      expect(await sql.$queryRawUnsafe(`SELECT id FROM processed_events WHERE id = $1`, handled.id)).toEqual([]);
    } finally {
      await relay.stop();
      await bus.close();
    }
  });

  it('asks again whether processed_events exists after that probe failed, and then prunes it', async () => {
    const bus = createInProcessEventBus(logger);
    let failProbe = true;
    // The first probe fails (a connection lost mid-prune); every other statement runs on the database.
    const flaky: SqlClient = {
      ...sql,
      $transaction: (fn) =>
        sql.$transaction((tx) =>
          fn({
            ...tx,
            $queryRawUnsafe: async (query, ...values) => {
              if (failProbe && query.includes('to_regclass')) {
                failProbe = false;
                throw new Error('connection lost');
              }
              return tx.$queryRawUnsafe(query, ...values);
            },
          }),
        ),
    };
    const relay = startOutboxRelay({ db: flaky, bus, logger, intervalMs: 60_000, retentionMs: 0 });
    try {
      const handled = domainEvent('test.probed', {});
      await sql.$transaction((tx) => markProcessed(tx, handled));
      await sql.$executeRawUnsafe(
        `UPDATE processed_events SET handled_at = now() - interval '1 second' WHERE id = $1`,
        handled.id,
      );
      await expect(relay.prune()).rejects.toThrow('connection lost');
      await relay.prune();
      expect(await sql.$queryRawUnsafe(`SELECT id FROM processed_events WHERE id = $1`, handled.id)).toEqual([]);
    } finally {
      await relay.stop();
      await bus.close();
    }
  });
});

describe('processed events', () => {
  it('are recorded once: the second delivery of an event is told it was handled', async () => {
    const event = domainEvent('test.delivered', {});
    expect(await sql.$transaction((tx) => markProcessed(tx, event))).toBe(true);
    expect(await sql.$transaction((tx) => markProcessed(tx, event))).toBe(false);
  });

  it('roll back with the effect they guard', async () => {
    const event = domainEvent('test.delivered', {});
    await sql
      .$transaction(async (tx) => {
        await markProcessed(tx, event);
        throw new Error('the effect failed');
      })
      .catch(() => undefined);
    expect(await sql.$transaction((tx) => markProcessed(tx, event))).toBe(true);
  });
});
