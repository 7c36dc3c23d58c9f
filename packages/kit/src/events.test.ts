import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus, createRedisEventBus, domainEvent, type DomainEvent, type EventBus } from './events.js';
import { createLogger } from './logger.js';
import { testRedisUrl } from './testing.js';

const logger = createLogger('test', 'silent');
const connections: Redis[] = [];
const buses: EventBus[] = [];
const policy = { maxDeliveries: 3, backoffMs: 20 };

function redisBus(consumer?: string) {
  const redis = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
  connections.push(redis);
  const bus = createRedisEventBus(redis, logger, { ...policy, consumer, claimIdleMs: 50 });
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
  await Promise.all(connections.map((c) => c.quit()));
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
    expect(letters[0]).toMatchObject({ group: 'g', error: 'poison', deliveries: 3 });
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

describe('Redis Streams: where a new group starts', () => {
  it("from the stream's start by default, from the next event with { from: 'now' } (live feeds)", async () => {
    const bus = redisBus();
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
