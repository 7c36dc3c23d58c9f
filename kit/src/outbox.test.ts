/** The transactional outbox on a real PostgreSQL database (the orders schema has the tables). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUniqueViolation, pgPool, sqlClient, type SqlClient } from './database.js';
import { createInProcessEventBus, createRedisEventBus, domainEvent, type DomainEvent } from './events.js';
import type { Redis } from 'ioredis';
import { startRedisServer, startTcpProxy, type RedisServer } from './fault-injection.js';
import { createLogger } from './logger.js';
import { effectsSql, markProcessed, outboxEvent, startOutboxRelay, writeEffects, writeOutbox } from './outbox.js';
import { connectRedis } from './process.js';
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

describe('the outbox relay when Redis fails', () => {
  it('holds no lock and no open transaction while Redis does not answer, and publishes once it does', async () => {
    const redis = await startRedisServer();
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: redis.port });
    const connection = connectRedis(proxy.urlFor(redis.url), logger);
    const bus = createRedisEventBus(connection, logger, { namespace: 'outbox-test' });
    const relay = startOutboxRelay({ db: sql, bus, logger, intervalMs: 100 });
    try {
      await relay.flush(); // the broker's epoch recorded
      proxy.stall(); // Redis stops answering: a partition, not a refusal
      const event = outboxEvent('test.stalled', { n: 1 });
      await sql.$transaction((tx) => writeOutbox(tx, [event]));
      const pass = relay.flush().catch((error: Error) => error);
      await new Promise((r) => setTimeout(r, 500)); // the pass is waiting on Redis
      // The row is free for anyone (NOWAIT fails at once on a locked row), and no session sits in a transaction.
      const locked = await sql.$transaction((tx) =>
        tx.$queryRawUnsafe<{ id: string }[]>(
          `SELECT id::text AS id FROM outbox_events WHERE id = $1 FOR UPDATE NOWAIT`,
          event.id,
        ),
      );
      expect(locked).toEqual([{ id: event.id }]);
      const idle = await sql.$queryRawUnsafe<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
      );
      expect(idle[0]!.n).toBe(0);
      expect(await pass).toBeInstanceOf(Error); // gave up within the command timeout
      proxy.restore();
      const reader = connectRedis(redis.url, logger);
      await expect
        .poll(async () => (await reader.xrange('outbox-test:events:test.stalled', '-', '+')).length, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(1);
      await reader.quit();
    } finally {
      await relay.stop();
      await bus.close();
      connection.disconnect();
      await proxy.stop();
      await redis.stop();
    }
  });
});

describe('the outbox relay when Redis loses what it was given', () => {
  it.each([
    // Every stream, group and the epoch marker gone.
    ['restarted without persistence', (redis: RedisServer) => redis.restart()],
    // The stream without the last writes, the marker still there: a failover to a replica that was behind.
    [
      'failed over to a replica that was behind',
      (_: RedisServer, connection: Redis) => connection.del('outbox-loss:events:test.lost'),
    ],
  ])('publishes the recent events again when Redis was %s', async (_, lose) => {
    const redis = await startRedisServer();
    const connection = connectRedis(redis.url, logger);
    const bus = createRedisEventBus(connection, logger, { namespace: 'outbox-loss', backoffMs: 20, maxBackoffMs: 100 });
    const relay = startOutboxRelay({ db: sql, bus, logger, intervalMs: 50, epochCheckMs: 50 });
    try {
      await sql.$executeRawUnsafe(`DELETE FROM outbox_events WHERE topic = 'test.lost'`);
      const events = [1, 2, 3].map((n) => outboxEvent('test.lost', { n }));
      await sql.$transaction((tx) => writeOutbox(tx, events));
      await relay.flush();
      await lose(redis, connection); // the three events were only in Redis, and nobody had read them
      const seen: string[] = [];
      bus.subscribe('test.lost', 'late-reader', async (event) => void seen.push(event.id));
      await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(3);
      expect(seen).toEqual(events.map((e) => e.id));
    } finally {
      await relay.stop();
      await bus.close();
      connection.disconnect();
      await redis.stop();
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

describe('the effects of a change', () => {
  const payloadsOf = async (topic: string) =>
    (
      await sql.$queryRawUnsafe<{ n: number }[]>(
        `SELECT (payload->>'n')::int AS n FROM outbox_events WHERE topic = $1 ORDER BY seq`,
        topic,
      )
    ).map((row) => row.n);

  it('in a store statement: written only when the gating CTE made the change, and a redelivery fails it', async () => {
    const handled = domainEvent('test.effects.handled', {});
    const statement = (made: boolean) => {
      const effects = effectsSql(
        {
          handled,
          announce: (n: number) => [outboxEvent('test.effects.gated', { n }), outboxEvent('test.effects.gated', { n: n + 1 })],
        },
        made ? 1 : 3,
        { params: [made], announceIf: 'made', handledIf: 'made', redelivery: 'fails' },
      );
      return sql.$queryRawUnsafe(`WITH made AS (SELECT 1 WHERE $1::boolean)${effects.ctes} SELECT 1`, ...effects.params);
    };
    await statement(false);
    expect(await payloadsOf('test.effects.gated')).toEqual([]);
    await statement(true);
    expect(await payloadsOf('test.effects.gated')).toEqual([1, 2]);
    await expect(statement(true)).rejects.toSatisfy((error) => isUniqueViolation(error, 'processed_events'));
    expect(await payloadsOf('test.effects.gated')).toEqual([1, 2]);
  });

  it('on their own: the handled mark tells a repeat, the events are written in order', async () => {
    const handled = domainEvent('test.effects.alone', {});
    const announce = [outboxEvent('test.effects.alone', { n: 1 }), outboxEvent('test.effects.alone', { n: 2 })];
    expect(await sql.$transaction((tx) => writeEffects(tx, { handled, announce }))).toBe(true);
    expect(await sql.$transaction((tx) => writeEffects(tx, { handled }))).toBe(false);
    expect(await payloadsOf('test.effects.alone')).toEqual([1, 2]);
  });
});
