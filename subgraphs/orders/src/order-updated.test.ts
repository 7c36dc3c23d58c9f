/**
 * `Subscription.orderUpdated` over graphql-ws on the real orders subgraph, fed the way production
 * feeds it: `order.updated` on the Redis event bus -> group `orders-live` -> Redis pub/sub -> watchers.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisEventBus, domainEvent, type EventBus } from '#kit/events';
import { createLogger } from '#kit/logger';
import { createRedisPubSub, type PubSub } from '#kit/pubsub';
import type { RunningSubgraph } from '#kit/subgraph-server';
import { startTestIssuer, type TestIssuer } from '#kit/test-tokens';
import {
  createTestDatabase,
  dropRedisNamespace,
  postGraphQL,
  testRedisUrl,
  testSubgraphConfig,
  type TestDatabase,
  eventually,
} from '#kit/testing';
import { connectLive, openSubscriptions, type LiveConnection } from '#kit/live-client';
import { createOrderStore, createOrdersDb, type OrdersDb } from './adapters/order-store.ts';
import type { OrderUpdated } from './app/order-saga.ts';
import type { OrderStatus } from './domain/order.ts';
import { startOrdersSubgraph } from './subgraph.ts';

const logger = createLogger('test', 'silent');
const namespace = `test-orders-live-${randomUUID().slice(0, 8)}`;
const alice = randomUUID();
const bob = randomUUID();
const watchQuery = `subscription ($id: ID!) {
  orderUpdated(id: $id) { id status cancelReason total { amount currency } }
}`;

interface Instance {
  subgraph: RunningSubgraph;
  bus: EventBus;
  /** How many `order.updated` events this instance's bridge published to pub/sub. */
  bridged: () => number;
  stop(): Promise<void>;
}

let database: TestDatabase;
let db: OrdersDb;
let issuer: TestIssuer;
let redis: Redis;
let a: Instance;
let aliceToken: string;
const connections: LiveConnection[] = [];

/** An orders subgraph on the shared database and Redis namespace, as one replica of many. */
async function startInstance(): Promise<Instance> {
  const connection = new Redis(testRedisUrl, { maxRetriesPerRequest: null });
  const bus = createRedisEventBus(connection, logger, { namespace });
  const pubsub = createRedisPubSub(connection, logger, { namespace });
  let bridged = 0;
  const counting: PubSub = { ...pubsub, publish: (channel, message) => (bridged++, pubsub.publish(channel, message)) };
  const subgraph = await startOrdersSubgraph(testSubgraphConfig('orders', database.url, { tokens: issuer.tokens }), {
    bus,
    pubsub: counting,
  });
  return {
    subgraph,
    bus,
    bridged: () => bridged,
    async stop() {
      await subgraph.stop();
      await bus.close();
      await pubsub.close();
      await connection.quit();
    },
  };
}

/** A graphql-ws client of `instance`; `token` goes in the connection_init payload. */
function liveClient(instance: Instance, token?: string): Client {
  const connection = connectLive(instance.subgraph.url, { token });
  connections.push(connection);
  return connection.client;
}

async function seedOrder(buyerId: string, status: OrderStatus = 'PENDING'): Promise<string> {
  const id = randomUUID();
  const reason = status === 'CANCELLED' ? 'OUT_OF_STOCK' : null;
  await createOrderStore(db).saveOrder({
    id,
    buyerId,
    status,
    cancelReason: reason,
    currency: 'EUR',
    items: [{ productId: randomUUID(), quantity: 2, unitPriceAmount: 1250 }],
    history: [{ status, reason, at: new Date() }],
  });
  return id;
}

/** Publishes `order.updated` on the bus as the orders outbox would. */
function publishUpdate(orderId: string, status: OrderStatus, extra: Partial<OrderUpdated> = {}) {
  const payload: OrderUpdated = {
    orderId,
    buyerId: alice,
    status,
    cancelReason: null,
    total: { amount: 2500, currency: 'EUR' },
    at: new Date().toISOString(),
    ...extra,
  };
  return a.bus.publish(domainEvent('order.updated', payload));
}

const watch = (client: Client, id: string, extensions?: Record<string, unknown>) =>
  client.iterate({ query: watchQuery, variables: { id }, extensions });

/** Every event until the subscription completes. */
async function drain<T>(events: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

const statuses = async (events: AsyncIterable<{ data?: unknown }>) =>
  (await drain(events)).map((event) => (event.data as { orderUpdated: { status: string } }).orderUpdated.status);

beforeAll(async () => {
  database = await createTestDatabase('orders');
  db = createOrdersDb(database.url, 2);
  issuer = await startTestIssuer();
  redis = new Redis(testRedisUrl);
  a = await startInstance();
  aliceToken = await issuer.sign(alice);
});
afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.dispose()));
  await a?.stop();
  await db?.$disconnect();
  await issuer?.stop();
  await redis?.quit();
  await dropRedisNamespace(namespace);
  await database?.drop();
});

describe('orderUpdated over graphql-ws', () => {
  it('sends the order as it is first, then each move published on the bus in order, and completes after CONFIRMED', async () => {
    const id = await seedOrder(alice);
    const events = watch(liveClient(a, aliceToken), id);
    const first = await events.next();
    expect(first.value).toEqual({
      data: { orderUpdated: { id, status: 'PENDING', cancelReason: null, total: { amount: 2500, currency: 'EUR' } } },
    });
    await publishUpdate(id, 'RESERVED', { total: { amount: 2400, currency: 'EUR' } });
    await publishUpdate(id, 'PAID', { total: { amount: 2400, currency: 'EUR' } });
    await publishUpdate(id, 'CONFIRMED', { total: { amount: 2400, currency: 'EUR' } });
    expect((await drain(events)).map((e) => e.data!.orderUpdated)).toEqual(
      ['RESERVED', 'PAID', 'CONFIRMED'].map((status) => ({
        id,
        status,
        cancelReason: null,
        total: { amount: 2400, currency: 'EUR' },
      })),
    );
  });

  it('a watcher who subscribes after a change sees it first, and an order already final is sent once, then completed', async () => {
    const reserved = await seedOrder(alice, 'RESERVED');
    const events = watch(liveClient(a, aliceToken), reserved);
    expect((await events.next()).value?.data).toMatchObject({ orderUpdated: { status: 'RESERVED' } });
    await events.return?.();

    const cancelled = await seedOrder(alice, 'CANCELLED');
    expect(await statuses(watch(liveClient(a, aliceToken), cancelled))).toEqual(['CANCELLED']);
  });

  it('skips a stale or repeated move (an older event, a bus redelivery) and never goes backwards', async () => {
    const id = await seedOrder(alice, 'RESERVED');
    const events = watch(liveClient(a, aliceToken), id);
    await events.next(); // RESERVED, as read
    await publishUpdate(id, 'PENDING'); // older than what was read
    await publishUpdate(id, 'RESERVED'); // already there
    await publishUpdate(id, 'PAID');
    await publishUpdate(id, 'PAID'); // redelivered
    await publishUpdate(id, 'RESERVED'); // late
    await publishUpdate(id, 'CANCELLED', { cancelReason: 'PAYMENT_ERROR' });
    expect((await drain(events)).map((e) => e.data)).toEqual([
      { orderUpdated: expect.objectContaining({ status: 'PAID', cancelReason: null }) },
      { orderUpdated: expect.objectContaining({ status: 'CANCELLED', cancelReason: 'PAYMENT_ERROR' }) },
    ]);
  });

  it('each move carries the history as it stood at that move, though it is resolved after later ones', async () => {
    const id = await seedOrder(alice);
    const events = liveClient(a, aliceToken).iterate({
      query: 'subscription ($id: ID!) { orderUpdated(id: $id) { status history { status } } }',
      variables: { id },
    });
    const first = await events.next();
    expect(first.value?.data).toEqual({ orderUpdated: { status: 'PENDING', history: [{ status: 'PENDING' }] } });
    // The saga moved on twice before the watcher's replica resolved the first of the two moves.
    const later = (s: number) => new Date(Date.now() + s * 1000);
    await db.orderStatusChange.createMany({
      data: [
        { orderId: id, status: 'RESERVED', at: later(1) },
        { orderId: id, status: 'CANCELLED', reason: 'PAYMENT_DECLINED', at: later(2) },
      ],
    });
    await publishUpdate(id, 'RESERVED');
    await publishUpdate(id, 'CANCELLED', { cancelReason: 'PAYMENT_DECLINED' });
    expect((await drain(events)).map((e) => e.data)).toEqual([
      { orderUpdated: { status: 'RESERVED', history: [{ status: 'PENDING' }, { status: 'RESERVED' }] } },
      {
        orderUpdated: {
          status: 'CANCELLED',
          history: [{ status: 'PENDING' }, { status: 'RESERVED' }, { status: 'CANCELLED' }],
        },
      },
    ]);
  });

  it('a cancellation made over HTTP reaches the watcher through outbox, bus and pub/sub, and ends the subscription', async () => {
    const id = await seedOrder(alice);
    const events = watch(liveClient(a, aliceToken), id);
    expect((await events.next()).value?.data).toMatchObject({ orderUpdated: { status: 'PENDING' } });
    const cancelled = await postGraphQL(a.subgraph.url, 'mutation ($id: ID!) { cancelOrder(id: $id) { status } }', {
      variables: { id },
      token: aliceToken,
    });
    expect(cancelled.body.errors).toBeUndefined();
    expect((await drain(events)).map((e) => e.data)).toEqual([
      { orderUpdated: expect.objectContaining({ status: 'CANCELLED', cancelReason: 'CANCELLED_BY_CUSTOMER' }) },
    ]);
  });

  it("refuses another customer's order as FORBIDDEN, and lets an admin watch it", async () => {
    const bobs = await seedOrder(bob);
    const refused = watch(liveClient(a, aliceToken), bobs);
    const answer = await refused.next();
    expect(answer.value?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(answer.value?.data ?? null).toBeNull();
    expect((await refused.next()).done).toBe(true);

    const admin = await issuer.sign(randomUUID(), ['ADMIN']);
    const watched = watch(liveClient(a, admin), bobs);
    expect((await watched.next()).value?.data).toMatchObject({ orderUpdated: { id: bobs, status: 'PENDING' } });
    await watched.return?.();
  });

  it('answers NOT_FOUND for no such order, BAD_USER_INPUT for an id that is not a UUID, UNAUTHENTICATED without a token', async () => {
    const codeOf = async (client: Client, id: string) => (await watch(client, id).next()).value?.errors?.[0]?.extensions?.code;
    expect(await codeOf(liveClient(a, aliceToken), randomUUID())).toBe('NOT_FOUND');
    expect(await codeOf(liveClient(a, aliceToken), 'order-1')).toBe('BAD_USER_INPUT');
    expect(await codeOf(liveClient(a), await seedOrder(alice))).toBe('UNAUTHENTICATED');
  });

  it("takes each operation's token from extensions.authorization, as the router forwards it over one connection", async () => {
    const client = liveClient(a); // the connection itself is anonymous
    const mine = await seedOrder(alice);
    const bobs = await seedOrder(bob);
    const events = watch(client, mine, { authorization: `Bearer ${aliceToken}` });
    expect((await events.next()).value?.data).toMatchObject({ orderUpdated: { id: mine } });
    const bobToken = `Bearer ${await issuer.sign(bob)}`;
    const other = watch(client, bobs, { authorization: bobToken });
    expect((await other.next()).value?.data).toMatchObject({ orderUpdated: { id: bobs } });
    const invalid = watch(client, mine, { authorization: 'Bearer not-a-jwt' });
    await expect(invalid.next()).rejects.toMatchObject([{ extensions: { code: 'UNAUTHENTICATED' } }]);
    await events.return?.();
    await other.return?.();
  });

  it('closes the connection with 4401 when connection_init carries a bad token', async () => {
    const events = watch(liveClient(a, 'not-a-jwt'), await seedOrder(alice));
    await expect(events.next()).rejects.toMatchObject({ code: 4401 });
  });

  it('releases the pub/sub channel when the client leaves', async () => {
    const id = await seedOrder(alice);
    const channel = `${namespace}:live:order:${id}`;
    const listeners = async () => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]);
    const open = () => openSubscriptions(a.subgraph.http.url);
    const before = await open();
    const events = watch(liveClient(a, aliceToken), id);
    await events.next();
    expect(await listeners()).toBe(1);
    expect(await open()).toBe(before + 1);
    await events.return?.();
    await eventually(async () => (await open()) === before && (await listeners()) === 0, 'the subscription is gone');
  });
});

describe('orderUpdated across replicas', () => {
  let b: Instance;
  beforeAll(async () => {
    b = await startInstance();
  });
  afterAll(async () => {
    await b?.stop();
  });

  it('a watcher on either replica gets every move, whichever replica the bus group handed the event to', async () => {
    const id = await seedOrder(alice);
    const onA = watch(liveClient(a, aliceToken), id);
    const onB = watch(liveClient(b, aliceToken), id);
    await Promise.all([onA.next(), onB.next()]); // PENDING on both
    const bridgedBefore = a.bridged() + b.bridged();
    // One move at a time: replicas handle events concurrently, and a watcher skips a move it has passed.
    for (const status of ['RESERVED', 'PAID', 'CONFIRMED'] as const) {
      await publishUpdate(id, status);
      const [fromA, fromB] = await Promise.all([onA.next(), onB.next()]);
      expect(fromA.value?.data).toMatchObject({ orderUpdated: { status } });
      expect(fromB.value?.data).toMatchObject({ orderUpdated: { status } });
    }
    expect((await onA.next()).done).toBe(true);
    expect((await onB.next()).done).toBe(true);
    // Each event was bridged once, by one replica of the group, and still reached both watchers.
    expect(a.bridged() + b.bridged() - bridgedBefore).toBe(3);
  });
});
