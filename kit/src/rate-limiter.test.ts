import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from './errors.js';
import { startRedisServer, type RedisServer } from './fault-injection.js';
import { createInProcessRateLimiter, createRedisRateLimiter, type RateLimiter } from './rate-limiter.js';
import { eventually, testRedisUrl } from './testing.js';

const redis = new Redis(testRedisUrl);
afterAll(() => redis.quit());

const rule = { limit: 5, windowMs: 60_000 };
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'OK',
    (error: unknown) => (error instanceof DomainError ? error.code : String(error)),
  );

const implementations: [string, () => RateLimiter][] = [
  ['in-process', () => createInProcessRateLimiter()],
  ['Redis', () => createRedisRateLimiter(redis, { prefix: `meridian:test:${randomUUID()}:` })],
];

describe.each(implementations)('%s rate limiter', (_name, create) => {
  it('40 concurrent hits are counted one by one: exactly 5 are within a limit of 5', async () => {
    const limiter = create();
    const states = await Promise.all(Array.from({ length: 40 }, () => limiter.hit('k', rule)));
    expect(states.map((s) => s.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(states.filter((s) => s.count <= rule.limit)).toHaveLength(5);
    expect(states.every((s) => s.resetMs > 59_000 && s.resetMs <= 60_000)).toBe(true);
  });

  it('refund takes back that one hit and no other', async () => {
    const limiter = create();
    const [, second] = [await limiter.hit('k', rule), await limiter.hit('k', rule), await limiter.hit('k', rule)];
    await limiter.refund('k', second!);
    expect((await limiter.hit('k', rule)).count).toBe(3);
  });

  it('forgive takes back a hit and every hit before it, but none counted after it', async () => {
    const limiter = create();
    await limiter.hit('k', rule);
    const success = await limiter.hit('k', rule);
    for (let i = 0; i < 6; i += 1) await limiter.hit('k', rule);
    await limiter.forgive('k', success);
    expect((await limiter.hit('k', rule)).count).toBe(7);
    // Forgiving an earlier hit again changes nothing.
    await limiter.forgive('k', success);
    expect((await limiter.hit('k', rule)).count).toBe(8);
  });

  it('nothing is taken back from the window after the one a hit was counted in', async () => {
    const limiter = create();
    const short = { limit: 5, windowMs: 100 };
    const old = await limiter.hit('k', short);
    await new Promise((r) => setTimeout(r, 150));
    await limiter.hit('k', short);
    await limiter.forgive('k', old);
    await limiter.refund('k', old);
    expect((await limiter.hit('k', short)).count).toBe(2);
  });
});

describe('Redis rate limiter when Redis fails', () => {
  let server: RedisServer;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    // The options the services use today: ioredis queues commands and retries them without end.
    client = new Redis(server.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined);
  });
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  it('with Redis killed, a hit is SERVICE_UNAVAILABLE with a retry hint at once, and counts again once Redis is back', async () => {
    const limiter = createRedisRateLimiter(client, { prefix: 'killed:' });
    expect((await limiter.hit('k', rule)).count).toBe(1);
    await server.kill();
    const started = Date.now();
    const error = await limiter.hit('k', rule).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('SERVICE_UNAVAILABLE');
    expect((error as DomainError).details.retryAfterSeconds).toBeGreaterThan(0);
    // Taking back cannot fail the caller: the hit just stays counted.
    await expect(limiter.forgive('k', { count: 1, resetMs: 1, window: 1, position: 1 })).resolves.toBeUndefined();

    await server.start();
    await eventually(async () => (await codeOf(limiter.hit('k', rule))) === 'OK', 'the limiter counts again', 10_000, 100);
  });

  it('a Redis that holds commands without answering is given up on after the timeout', async () => {
    const limiter = createRedisRateLimiter(client, { prefix: 'paused:', timeoutMs: 300 });
    await eventually(async () => (await codeOf(limiter.hit('k', rule))) === 'OK', 'the limiter counts', 10_000, 100);
    const admin = new Redis(server.url);
    // Every client's commands wait until the pause ends (the server stays up and connected).
    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    admin.disconnect();
    const started = Date.now();
    expect(await codeOf(limiter.hit('k', rule))).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
