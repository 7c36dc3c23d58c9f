import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startRedisServer, startTcpProxy, type RedisServer } from './fault-injection.js';
import { testServerUrl } from './testing.js';

describe('fault injection helpers', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.stop());

  it('a private Redis loses its keys on restart and on flush', async () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    await client.set('k', 'v');
    await redis.restart();
    await client.ping().catch(() => client.ping());
    expect(await client.get('k')).toBeNull();
    await client.set('k', 'v');
    await redis.flush();
    expect(await client.get('k')).toBeNull();
    client.disconnect();
  });

  it('a cut proxy fails the queries in flight and refuses new connections until restored', async () => {
    const server = new URL(testServerUrl);
    const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 5432) });
    const pool = new pg.Pool({ connectionString: proxy.urlFor(testServerUrl), max: 2 });
    pool.on('error', () => undefined);
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    const slow = pool.query('SELECT pg_sleep(5)');
    await new Promise((r) => setTimeout(r, 100));
    proxy.cut();
    await expect(slow).rejects.toThrow();
    await expect(pool.query('SELECT 1')).rejects.toThrow();
    proxy.restore();
    expect((await pool.query('SELECT 2 AS two')).rows[0].two).toBe(2);
    await pool.end();
    await proxy.stop();
  });
});
