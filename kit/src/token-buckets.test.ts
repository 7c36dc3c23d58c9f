/** Token buckets in this process and on the machine's Redis: all-or-nothing takes, refill, no overdraw under concurrency. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createInProcessTokenBuckets,
  createRedisTokenBuckets,
  parseTokenBucket,
  type TokenBucket,
  type TokenBuckets,
} from './rate-limiter.js';
import { dropRedisNamespace, testRedisUrl } from './testing.js';

const redis = new Redis(testRedisUrl);
const namespace = `meridian-test-buckets-${randomUUID()}`;
afterAll(async () => {
  await redis.quit();
  await dropRedisNamespace(namespace);
});

const perMinute: TokenBucket = { rate: 60, periodMs: 60_000, burst: 5 };
const implementations: [string, () => TokenBuckets][] = [
  ['in-process', () => createInProcessTokenBuckets()],
  ['Redis', () => createRedisTokenBuckets(redis, { prefix: `${namespace}:${randomUUID()}:` })],
];

describe.each(implementations)('%s token buckets', (_name, create) => {
  it('of 40 concurrent takes from a bucket of 5, exactly 5 are granted, the rest told when a token is back', async () => {
    const buckets = create();
    const results = await Promise.all(Array.from({ length: 40 }, () => buckets.take([{ key: 'k', bucket: perMinute, cost: 1 }])));
    expect(results.filter((r) => r.granted)).toHaveLength(5);
    // One token a second: the next one is at most a second away.
    const waits = results.flatMap((r) => (r.granted ? [] : [r.retryAfterMs]));
    expect(waits.every((ms) => ms > 0 && ms <= 1000)).toBe(true);
  });

  it('takes every claim or none: a refused budget leaves the general bucket untouched', async () => {
    const buckets = create();
    const general = { key: 'caller', bucket: perMinute, cost: 1 };
    const budget = { key: 'caller:placeOrder', bucket: { rate: 1, periodMs: 3_600_000, burst: 2 }, cost: 3 };
    const refused = await buckets.take([general, budget]);
    expect(refused).toMatchObject({ granted: false, refused: 1 });
    // Asking for more than the bucket ever holds: the wait given is the time to fill it.
    expect(refused.granted ? 0 : refused.retryAfterMs).toBeGreaterThan(3_500_000);
    for (let i = 0; i < 5; i++) expect((await buckets.take([general])).granted).toBe(true);
    expect((await buckets.take([general])).granted).toBe(false);
  });

  it('refills at its rate: one token per 50 ms', async () => {
    const buckets = create();
    const fast = { rate: 20, periodMs: 1000, burst: 2 };
    expect((await buckets.take([{ key: 'f', bucket: fast, cost: 2 }])).granted).toBe(true);
    expect((await buckets.take([{ key: 'f', bucket: fast, cost: 1 }])).granted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect((await buckets.take([{ key: 'f', bucket: fast, cost: 2 }])).granted).toBe(true);
  });
});

describe('two clients of one Redis (two router replicas)', () => {
  it('share their buckets: 30 concurrent takes through each of two clients grant 5 in all', async () => {
    const other = new Redis(testRedisUrl);
    try {
      const prefix = `${namespace}:shared:`;
      const [a, b] = [createRedisTokenBuckets(redis, { prefix }), createRedisTokenBuckets(other, { prefix })];
      const take = (buckets: TokenBuckets) => buckets.take([{ key: 'k', bucket: perMinute, cost: 1 }]);
      const results = await Promise.all([
        ...Array.from({ length: 30 }, () => take(a)),
        ...Array.from({ length: 30 }, () => take(b)),
      ]);
      expect(results.filter((r) => r.granted)).toHaveLength(5);
    } finally {
      await other.quit();
    }
  });
});

describe('parseTokenBucket', () => {
  it('reads rate, period and burst', () => {
    expect(parseTokenBucket('20/s burst 100')).toEqual({ rate: 20, periodMs: 1000, burst: 100 });
    expect(parseTokenBucket('10/h')).toEqual({ rate: 10, periodMs: 3_600_000, burst: 10 });
    expect(parseTokenBucket('30 / 5m burst 10')).toEqual({ rate: 30, periodMs: 300_000, burst: 10 });
    expect(parseTokenBucket('off')).toBeNull();
    expect(() => parseTokenBucket('lots')).toThrow(/not a rate limit/);
  });
});
