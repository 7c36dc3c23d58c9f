import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { createInProcessPubSub, createRedisPubSub, type PubSub } from './pubsub.js';
import { eventually, testRedisUrl } from './testing.js';

const logger = createLogger('test', 'silent');
const redis = new Redis(testRedisUrl);
const opened: PubSub[] = [];
afterAll(async () => {
  await Promise.all(opened.map((p) => p.close()));
  await redis.quit();
});

const received = (list: unknown[], count: number) =>
  eventually(() => list.length >= count, `${count} message(s) arrived`, 2_000, 5);

const implementations: [string, () => PubSub][] = [
  ['in-process', () => createInProcessPubSub()],
  ['Redis', () => createRedisPubSub(redis, logger, { namespace: `test-pubsub-${randomUUID().slice(0, 8)}` })],
];

describe.each(implementations)('%s pub/sub', (_name, create) => {
  it('delivers to every listener subscribed when the message is published, and to no one after unsubscribing', async () => {
    const pubsub = create();
    opened.push(pubsub);
    const first: unknown[] = [];
    const second: unknown[] = [];
    const stopFirst = await pubsub.subscribe('order:1', (m) => first.push(m));
    const stopSecond = await pubsub.subscribe('order:1', (m) => second.push(m));
    await pubsub.publish('order:1', { status: 'RESERVED' });
    await pubsub.publish('order:2', { status: 'PAID' }); // another channel
    await received(second, 1);
    await received(first, 1);
    await stopFirst();
    await pubsub.publish('order:1', { status: 'PAID' });
    await received(second, 2);
    await stopSecond();
    await pubsub.publish('order:1', { status: 'CONFIRMED' });
    await new Promise((r) => setTimeout(r, 50));
    expect(first).toEqual([{ status: 'RESERVED' }]);
    expect(second).toEqual([{ status: 'RESERVED' }, { status: 'PAID' }]);
  });

  it('listeners get their own copy of a message', async () => {
    const pubsub = create();
    opened.push(pubsub);
    const got: { n: number }[] = [];
    await pubsub.subscribe('c', (m) => got.push(m as { n: number }));
    const message = { n: 1 };
    await pubsub.publish('c', message);
    message.n = 2;
    await received(got, 1);
    expect(got).toEqual([{ n: 1 }]);
  });
});

describe('Redis pub/sub across processes', () => {
  it('a message published by one connection reaches the listeners of another (any replica delivers)', async () => {
    const namespace = `test-pubsub-${randomUUID().slice(0, 8)}`;
    const other = new Redis(testRedisUrl);
    const publisher = createRedisPubSub(other, logger, { namespace });
    const listener = createRedisPubSub(redis, logger, { namespace });
    opened.push(listener);
    const got: unknown[] = [];
    await listener.subscribe('document:7', (m) => got.push(m));
    await publisher.publish('document:7', { progress: 30 });
    await received(got, 1);
    expect(got).toEqual([{ progress: 30 }]);
    await publisher.close();
    await other.quit();
  });
});
