import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createInProcessEventBus, createRedisEventBus, domainEvent, type DomainEvent, type EventBus } from './events.js';
import { TransientFailure } from './failures.js';
import { startRedisServer, type RedisServer } from './fault-injection.js';
import { createLogger } from './logger.js';
import { connectRedis } from './process.js';
import { testRedisUrl } from './testing.js';

const logger = createLogger('test', 'silent');
const connections: Redis[] = [];
const buses: EventBus[] = [];
const policy = { maxDeliveries: 3, backoffMs: 20, maxBackoffMs: 100 };

function redisBus(
  consumer?: string,
  options: { url?: string; claimIdleMs?: number; maxLen?: number; trimIntervalMs?: number } = {},
) {
  const redis = connectRedis(options.url ?? testRedisUrl, logger);
  connections.push(redis);
  const bus = createRedisEventBus(redis, logger, { ...policy, consumer, claimIdleMs: 50, ...options });
  buses.push(bus);
  return bus;
}

function inProcessBus() {
  const bus = createInProcessEventBus(logger, policy);
  buses.push(bus);
  return bus;
}

afterAll(async () => {
  await Promise.all(buses.map((b) => b.close()));
  await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
});

const until = async (check: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.each([
  ['in-process', inProcessBus],
  ['Redis Streams', () => redisBus()],
])('event bus contract: %s', (_, makeBus) => {
  it('delivers each event once to every subscribed group', async () => {
    const bus = makeBus();
    const topic = `test.${randomUUID()}`;
    const seen: string[] = [];
    bus.subscribe(topic, 'a', async (e) => void seen.push(`a:${(e.payload as { n: number }).n}`));
    bus.subscribe(topic, 'b', async (e) => void seen.push(`b:${(e.payload as { n: number }).n}`));
    await new Promise((r) => setTimeout(r, 100)); // consumer groups created
    for (const n of [1, 2, 3]) await bus.publish(domainEvent(topic, { n }));
    await until(() => seen.length === 6);
    await new Promise((r) => setTimeout(r, 150));
    expect(seen.sort()).toEqual(['a:1', 'a:2', 'a:3', 'b:1', 'b:2', 'b:3']);
  });

  it('retries a failing handler and dead-letters the event after the last attempt', async () => {
    const bus = makeBus();
    const topic = `test.${randomUUID()}`;
    let flakyCalls = 0;
    let poisonCalls = 0;
    bus.subscribe(topic, 'g', async (event: DomainEvent) => {
      if ((event.payload as { kind: string }).kind === 'flaky') {
        flakyCalls += 1;
        if (flakyCalls < 2) throw new Error('transient');
        return;
      }
      poisonCalls += 1;
      throw new Error('poison');
    });
    await new Promise((r) => setTimeout(r, 100));
    const poison = domainEvent(topic, { kind: 'poison' });
    await bus.publish(domainEvent(topic, { kind: 'flaky' }));
    await bus.publish(poison);
    await until(() => flakyCalls === 2 && poisonCalls === 3, 8000);
    // The dead letter is written just after the last failed attempt returns.
    let letters: Awaited<ReturnType<EventBus['deadLetters']>> = [];
    for (let i = 0; i < 100 && letters.length === 0; i += 1) {
      letters = (await bus.deadLetters()).filter((l) => l.event.id === poison.id);
      if (letters.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ group: 'g', error: 'poison', deliveries: 3, reason: 'retries_exhausted' });
  });

  it('retries a transient failure past the delivery limit until it succeeds, and dead-letters bad content at once', async () => {
    const bus = makeBus();
    const topic = `test.${randomUUID()}`;
    let outageCalls = 0;
    let badCalls = 0;
    bus.subscribe(topic, 'g', async (event: DomainEvent) => {
      const { kind } = z.object({ kind: z.enum(['outage', 'ok']) }).parse((event.payload as { kind?: unknown }) ?? {});
      if (kind === 'outage' && ++outageCalls < 8) throw new TransientFailure('the database is down');
    });
    bus.subscribe(`${topic}.bad`, 'g', async (event) => {
      badCalls += 1;
      z.object({ orderId: z.string().uuid() }).parse(event.payload);
    });
    await new Promise((r) => setTimeout(r, 100));
    const outage = domainEvent(topic, { kind: 'outage' });
    const bad = domainEvent(`${topic}.bad`, { orderId: 'not-a-uuid' });
    await bus.publish(outage);
    await bus.publish(bad);
    await until(() => outageCalls === 8, 10_000);
    await expect.poll(async () => (await bus.deadLetters()).filter((l) => l.event.id === bad.id).length).toBe(1);
    const letters = await bus.deadLetters();
    expect(letters.find((l) => l.event.id === bad.id)).toMatchObject({ reason: 'content', deliveries: 1, group: 'g' });
    expect(letters.some((l) => l.event.id === outage.id)).toBe(false); // 8 deliveries > 3, and not given up on
    expect(badCalls).toBe(1);
  });

  it('only unknown failures count towards the delivery limit: an outage before a bug does not use it up', async () => {
    const bus = makeBus();
    const topic = `test.${randomUUID()}`;
    let calls = 0;
    bus.subscribe(topic, 'g', async () => {
      calls += 1;
      if (calls <= 6) throw new TransientFailure('the database is down');
      throw new TypeError('a bug');
    });
    await new Promise((r) => setTimeout(r, 100));
    const event = domainEvent(topic, {});
    await bus.publish(event);
    await expect.poll(async () => (await bus.deadLetters()).some((l) => l.event.id === event.id), { timeout: 10_000 }).toBe(true);
    expect(calls).toBe(6 + 3); // six transient failures, then the three unknown ones maxDeliveries allows
    expect((await bus.deadLetters()).find((l) => l.event.id === event.id)).toMatchObject({ reason: 'retries_exhausted' });
  });

  it('replays a dead letter: its group gets the event again, with its id, and the letter leaves the list', async () => {
    const bus = makeBus();
    const topic = `test.${randomUUID()}`;
    let fixed = false;
    const handled: string[] = [];
    bus.subscribe(topic, 'g', async (event) => {
      if (!fixed) throw new TypeError('a bug in the handler');
      handled.push(event.id);
    });
    await new Promise((r) => setTimeout(r, 100));
    const event = domainEvent(topic, { n: 1 });
    await bus.publish(event);
    let letter: Awaited<ReturnType<EventBus['deadLetters']>>[number] | undefined;
    for (let i = 0; i < 400 && !letter; i += 1) {
      letter = (await bus.deadLetters()).find((l) => l.event.id === event.id);
      if (!letter) await new Promise((r) => setTimeout(r, 20));
    }
    expect(letter).toMatchObject({ reason: 'retries_exhausted', group: 'g' });
    fixed = true; // the bug fixed and deployed: the operator replays the letter
    expect(await bus.replayDeadLetter(letter!.id)).toMatchObject({ id: letter!.id, event: { id: event.id } });
    await until(() => handled.length === 1);
    expect(handled).toEqual([event.id]);
    expect((await bus.deadLetters()).some((l) => l.id === letter!.id)).toBe(false);
    expect(await bus.replayDeadLetter(letter!.id)).toBeNull(); // once
  });
});

describe('Redis Streams bus', () => {
  it('an event taken by a consumer that died before acknowledging is delivered to another consumer', async () => {
    const topic = `test.${randomUUID()}`;
    const dying = redisBus('dying');
    let taken = 0;
    // This consumer takes the event and never finishes: like a process killed mid-handler.
    dying.subscribe(topic, 'g', () => {
      taken += 1;
      return new Promise<void>(() => undefined);
    });
    await new Promise((r) => setTimeout(r, 100));
    const event = domainEvent(topic, { n: 1 });
    await dying.publish(event);
    await until(() => taken === 1);

    const survivor = redisBus('survivor');
    const handled: string[] = [];
    survivor.subscribe(topic, 'g', async (e) => void handled.push(e.id));
    await until(() => handled.length === 1, 8000);
    expect(handled).toEqual([event.id]);
  });
});

describe.each([
  ['in-process', inProcessBus],
  ['Redis Streams', () => redisBus()],
])('where a new group starts: %s', (_, makeBus) => {
  it("from the stream's start by default, from the next event with { from: 'now' } (live feeds)", async () => {
    const bus = makeBus();
    const topic = `test.${randomUUID()}`;
    await bus.publish(domainEvent(topic, { n: 1 }));
    const history: number[] = [];
    const live: number[] = [];
    bus.subscribe(topic, 'history', async (e) => void history.push((e.payload as { n: number }).n));
    bus.subscribe(topic, 'live', async (e) => void live.push((e.payload as { n: number }).n), { from: 'now' });
    await new Promise((r) => setTimeout(r, 100)); // consumer groups created
    await bus.publish(domainEvent(topic, { n: 2 }));
    await until(() => history.length === 2 && live.length === 1);
    expect(history).toEqual([1, 2]);
    expect(live).toEqual([2]);
  });
});

describe('Redis Streams: Redis failing under the bus', () => {
  let server: RedisServer;
  afterAll(() => server?.stop());

  it('a stream and group that disappear (FLUSHALL, a restart without persistence) are created again and delivery goes on', async () => {
    server = await startRedisServer();
    const bus = redisBus(undefined, { url: server.url });
    const topic = `test.${randomUUID()}`;
    const seen: number[] = [];
    bus.subscribe(topic, 'g', async (e) => void seen.push((e.payload as { n: number }).n));
    await new Promise((r) => setTimeout(r, 100));
    await bus.publish(domainEvent(topic, { n: 1 }));
    await until(() => seen.length === 1);

    await server.flush();
    await publishWhenUp(bus, domainEvent(topic, { n: 2 }));
    await until(() => seen.length === 2, 10_000);

    await server.restart();
    await publishWhenUp(bus, domainEvent(topic, { n: 3 }));
    await until(() => seen.length === 3, 10_000);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('publishing to a Redis that is down fails within a bounded time', async () => {
    server ??= await startRedisServer();
    const bus = redisBus(undefined, { url: server.url });
    await server.kill();
    const started = Date.now();
    await expect(bus.publish(domainEvent(`test.${randomUUID()}`, {}))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3_000);
    await server.start();
  });
});

/** Publishes once Redis accepts it (right after a restart, the client may still be reconnecting). */
async function publishWhenUp(bus: EventBus, event: DomainEvent) {
  for (let tries = 0; ; tries++) {
    try {
      return await bus.publish(event);
    } catch (error) {
      if (tries > 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('Redis Streams: an entry that is not an event', () => {
  it('is dead-lettered once and acknowledged, not taken over and dead-lettered again', async () => {
    const topic = `test.${randomUUID()}`;
    const bus = redisBus('reader', { claimIdleMs: 100 });
    bus.subscribe(topic, 'g', async () => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const redis = connectRedis(testRedisUrl, logger);
    connections.push(redis);
    await redis.xadd(`meridian:events:${topic}`, '*', 'event', '{not json');
    await expect.poll(async () => (await bus.deadLetters()).filter((l) => l.event.topic === topic).length).toBe(1);
    await new Promise((r) => setTimeout(r, 600)); // several visibility timeouts
    expect((await bus.deadLetters()).filter((l) => l.event.topic === topic)).toMatchObject([{ reason: 'content', group: 'g' }]);
    expect(((await redis.xpending(`meridian:events:${topic}`, 'g')) as [number])[0]).toBe(0);
  });
});

describe('Redis Streams: holding and trimming', () => {
  it('an event whose handler retries longer than the visibility timeout stays with its consumer', async () => {
    const topic = `test.${randomUUID()}`;
    const calls: string[] = [];
    let failUntil = Date.now() + 1_500;
    for (const name of ['first', 'second']) {
      redisBus(name, { claimIdleMs: 300 }).subscribe(topic, 'g', async () => {
        calls.push(name);
        if (Date.now() < failUntil) throw new TransientFailure('the database is down');
      });
    }
    await new Promise((r) => setTimeout(r, 100));
    failUntil = Date.now() + 1_500; // five visibility timeouts
    await redisBus().publish(domainEvent(topic, {}));
    await until(() => calls.length > 0 && Date.now() > failUntil + 300, 5_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(new Set(calls).size).toBe(1); // never handed to the other consumer while it was retrying
  });

  it('trims what every group acknowledged, never what a group has not read, and reports a stream past its limit', async () => {
    const topic = `test.${randomUUID()}`;
    const errors: unknown[] = [];
    const watched = createLogger('test', 'error');
    const redis = connectRedis(testRedisUrl, logger);
    connections.push(redis);
    const bus = createRedisEventBus(
      redis,
      Object.assign(Object.create(watched) as typeof watched, { error: (...args: unknown[]) => void errors.push(args) }),
      { ...policy, maxLen: 5, trimIntervalMs: 100 },
    );
    buses.push(bus);
    const fast: number[] = [];
    bus.subscribe(topic, 'fast', async (e) => void fast.push((e.payload as { n: number }).n));
    let slowGoes = false;
    const slow: number[] = [];
    bus.subscribe(topic, 'slow', async (e) => {
      await until(() => slowGoes, 20_000);
      slow.push((e.payload as { n: number }).n);
    });
    await new Promise((r) => setTimeout(r, 100));
    for (let n = 1; n <= 200; n += 1) await bus.publish(domainEvent(topic, { n }));
    await until(() => fast.length === 200);
    await new Promise((r) => setTimeout(r, 400)); // a few trim passes while 'slow' holds everything
    expect(await redis.xlen(`meridian:events:${topic}`)).toBe(200);
    expect(errors.length).toBeGreaterThan(0); // past maxLen 5 with a group behind: said so
    slowGoes = true;
    await until(() => slow.length === 200, 10_000);
    await expect.poll(() => redis.xlen(`meridian:events:${topic}`), { timeout: 5_000 }).toBeLessThan(200);
    expect(slow.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });
});
