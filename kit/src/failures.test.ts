/**
 * The failure kinds of the errors real outages produce: each error here comes from a real
 * PostgreSQL or Redis server made unreachable, killed or stalled, not from a hand-made object.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { badInput, DomainError } from './errors.js';
import { backoffDelay, failureKindOf, InvalidMessage, TransientFailure } from './failures.js';
import { freePort, startRedisServer, startTcpProxy, type RedisServer, type TcpProxy } from './fault-injection.js';
import { pgPool } from './database.js';
import { redisClientOptions } from './process.js';
import { testServerUrl } from './testing.js';

const caught = async (work: () => Promise<unknown>): Promise<unknown> => {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
};

describe('PostgreSQL failures are transient', () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    const server = new URL(testServerUrl);
    proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
  });
  afterAll(() => proxy.stop());

  it('a refused connection (the server is down)', async () => {
    const url = new URL(testServerUrl);
    url.port = String(await freePort());
    const error = await caught(() => new pg.Client({ connectionString: url.toString() }).connect());
    expect(failureKindOf(error)).toBe('transient');
  });

  it('a backend terminated by the server (restart, failover, pg_terminate_backend)', async () => {
    const victim = new pg.Client({ connectionString: testServerUrl });
    victim.on('error', () => undefined);
    await victim.connect();
    const pid = (await victim.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const sleeping = caught(() => victim.query('SELECT pg_sleep(10)'));
    const admin = new pg.Client({ connectionString: testServerUrl });
    await admin.connect();
    await new Promise((r) => setTimeout(r, 100));
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await admin.end();
    const error = await sleeping;
    expect((error as { code?: string }).code).toBe('57P01');
    expect(failureKindOf(error)).toBe('transient');
  });

  it('a connection cut in the middle of a query, and a pool that cannot connect in time', async () => {
    const pool = new pg.Pool({ connectionString: proxy.urlFor(testServerUrl), max: 1, connectionTimeoutMillis: 300 });
    pool.on('error', () => undefined);
    const query = caught(() => pool.query('SELECT pg_sleep(5)'));
    await new Promise((r) => setTimeout(r, 150));
    proxy.cut();
    expect(failureKindOf(await query)).toBe('transient');
    proxy.restore();
    proxy.stall(); // a partition: the connection attempt gets no answer
    const timedOut = await caught(() => pool.query('SELECT 1'));
    expect((timedOut as Error).message).toMatch(/timeout/);
    expect(failureKindOf(timedOut)).toBe('transient');
    proxy.restore();
    await pool.end();
  });

  it('a query on a connection that went silent (a partition) times out, as transient', async () => {
    const pool = pgPool(proxy.urlFor(testServerUrl), 1, { queryTimeoutMs: 300 });
    await pool.query('SELECT 1');
    proxy.stall();
    const started = Date.now();
    const error = await caught(() => pool.query('SELECT 2'));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(failureKindOf(error)).toBe('transient');
    proxy.restore();
    await pool.end();
  });

  it('a unique violation is not: it is about the data', async () => {
    const client = new pg.Client({ connectionString: testServerUrl });
    await client.connect();
    const error = await caught(() =>
      client.query('CREATE TEMP TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1); INSERT INTO t VALUES (1);'),
    );
    await client.end();
    expect(failureKindOf(error)).toBe('unknown');
  });
});

describe('Redis failures are transient', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.stop());

  it('a command to a Redis that is down fails within a bounded time, as transient', async () => {
    const client = new Redis(redis.url, redisClientOptions);
    client.on('error', () => undefined);
    await client.ping();
    await redis.kill();
    const started = Date.now();
    const error = await caught(() => client.set('k', 'v'));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(failureKindOf(error)).toBe('transient');
    await redis.start();
    await expect.poll(() => client.ping().catch(() => 'down'), { timeout: 5_000 }).toBe('PONG');
    client.disconnect();
  });

  it('a command to a Redis that stopped answering times out, as transient', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: redis.port });
    const client = new Redis(proxy.urlFor(redis.url), redisClientOptions);
    client.on('error', () => undefined);
    await client.ping();
    proxy.stall();
    const started = Date.now();
    const error = await caught(() => client.get('k'));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(failureKindOf(error)).toBe('transient');
    client.disconnect();
    await proxy.stop();
  });
});

describe('what the message says', () => {
  it('invalid content and broken rules are content failures', () => {
    const zod = z.object({ orderId: z.string().uuid() }).safeParse({ orderId: 'x' });
    expect(failureKindOf(zod.error)).toBe('content');
    expect(failureKindOf(badInput('no'))).toBe('content');
    expect(failureKindOf(new DomainError('NOT_FOUND', 'The order was not found'))).toBe('content');
    expect(failureKindOf(new InvalidMessage('priced in two currencies'))).toBe('content');
    expect(failureKindOf(new SyntaxError('Unexpected token'))).toBe('content');
  });

  it('work not ready yet and rate limits are transient; a bug is unknown', () => {
    expect(failureKindOf(new TransientFailure('the charge is still in flight'))).toBe('transient');
    expect(failureKindOf(new DomainError('RATE_LIMITED', 'slow down'))).toBe('transient');
    expect(failureKindOf(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }))).toBe(
      'transient',
    );
    expect(failureKindOf(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe('unknown');
  });
});

describe('backoff', () => {
  it('doubles from the first delay, is capped, and is spread by ±20 %', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 10, 50].map((n) => backoffDelay(n, 200, 10_000, middle))).toEqual([200, 400, 800, 1600, 10_000, 10_000]);
    expect(backoffDelay(1, 200, 10_000, () => 0)).toBe(160);
    expect(backoffDelay(1, 200, 10_000, () => 1)).toBe(240);
  });
});
