/**
 * Placing and cancelling orders, and the saga's steps, on the real orders database: what is
 * written, in one transaction, and what a retry or a redelivery does.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgPool, sqlClient } from '#kit/database';
import { domainEvent } from '#kit/events';
import { createLogger } from '#kit/logger';
import { createTestDatabase, testViewer, type TestDatabase } from '#kit/testing';
import { createOrderStore, createOrdersDb, type OrdersDb } from '../adapters/order-store.ts';
import { onSagaAnswer } from './order-saga.ts';
import { cancelOrder, placeOrder, type PlaceOrder } from './place-order.ts';

const logger = createLogger('test', 'silent');
let database: TestDatabase;
let db: OrdersDb;
let deps: { orders: ReturnType<typeof createOrderStore>; logger: typeof logger };

beforeAll(async () => {
  database = await createTestDatabase('orders');
  // Wired as the running subgraph is: Prisma and the saga's raw SQL on one pool.
  const pool = pgPool(database.url, 8);
  db = createOrdersDb(pool);
  deps = { orders: createOrderStore(db, { sql: sqlClient(pool) }), logger };
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const buyer = () => testViewer(randomUUID());
const product = randomUUID();
const request = (quantity = 2, paymentMethod = 'tok_visa'): PlaceOrder => ({
  items: [{ productId: product, quantity }],
  paymentMethod,
});
const outbox = (orderId: string) =>
  db.outboxEvent.findMany({ where: { payload: { path: ['orderId'], equals: orderId } }, orderBy: { createdAt: 'asc' } });
const domainCode = (c: string) => expect.objectContaining({ code: c }) as Error;
const reserved = (orderId: string, unitPriceAmount = 1250) =>
  domainEvent('inventory.reserved', {
    orderId,
    items: [{ productId: product, warehouseId: randomUUID(), quantity: 2, unitPriceAmount, currency: 'EUR' }],
    expiresAt: new Date().toISOString(),
  });

describe('placeOrder', () => {
  it('writes the order PENDING with order.placed and order.updated in its outbox, and returns at once', async () => {
    const viewer = buyer();
    const order = await placeOrder(deps, viewer, request(), 'key-1');
    expect(order).toMatchObject({ buyerId: viewer.id, status: 'PENDING', total: null, paymentMethod: 'tok_visa' });
    const events = await outbox(order.id);
    expect(events.map((e) => e.topic).sort()).toEqual(['order.placed', 'order.updated']);
    expect(events.find((e) => e.topic === 'order.placed')?.payload).toEqual({
      orderId: order.id,
      buyerId: viewer.id,
      items: [{ productId: product, quantity: 2 }],
    });
    expect(await db.orderStatusChange.count({ where: { orderId: order.id } })).toBe(1);
  });

  it('returns the first order for the same idempotency key, also under 10 concurrent retries', async () => {
    const viewer = buyer();
    const orders = await Promise.all(Array.from({ length: 10 }, () => placeOrder(deps, viewer, request(), 'same-key')));
    expect(new Set(orders.map((o) => o.id)).size).toBe(1);
    expect(await db.order.count({ where: { buyerId: viewer.id } })).toBe(1);
    expect((await outbox(orders[0]!.id)).filter((e) => e.topic === 'order.placed')).toHaveLength(1);
  });

  it('keys are per buyer: two buyers may use the same key', async () => {
    const [a, b] = [await placeOrder(deps, buyer(), request(), 'shared'), await placeOrder(deps, buyer(), request(), 'shared')];
    expect(a.id).not.toBe(b.id);
  });

  it('refuses a key reused for a different order (CONFLICT), and writes nothing', async () => {
    const viewer = buyer();
    await placeOrder(deps, viewer, request(2), 'reused');
    await expect(placeOrder(deps, viewer, request(3), 'reused')).rejects.toThrowError(domainCode('CONFLICT'));
    await expect(placeOrder(deps, viewer, request(2, 'tok_decline'), 'reused')).rejects.toThrowError(domainCode('CONFLICT'));
    expect(await db.order.count({ where: { buyerId: viewer.id } })).toBe(1);
  });

  it.each([
    ['an empty key', ''],
    ['a key with spaces', 'a key'],
    ['a key of 201 characters', 'k'.repeat(201)],
  ])('refuses %s (BAD_USER_INPUT)', async (_name, key) => {
    await expect(placeOrder(deps, buyer(), request(), key)).rejects.toThrowError(domainCode('BAD_USER_INPUT'));
  });

  it('refuses an anonymous caller (UNAUTHENTICATED)', async () => {
    await expect(placeOrder(deps, null, request(), 'k')).rejects.toThrowError(domainCode('UNAUTHENTICATED'));
  });
});

describe('the saga steps in orders', () => {
  it('prices a reserved order, asks payments for the charge, and applies a redelivered answer once', async () => {
    const viewer = buyer();
    const order = await placeOrder(deps, viewer, request(), randomUUID());
    const answer = reserved(order.id);
    await onSagaAnswer(deps, answer);
    await onSagaAnswer(deps, answer); // redelivered: the consumer died before acknowledging
    const row = await db.order.findUniqueOrThrow({ where: { id: order.id }, include: { items: true, history: true } });
    expect(row).toMatchObject({ status: 'RESERVED', totalAmount: 2500, currency: 'EUR' });
    expect(row.items.map((i) => i.unitPriceAmount)).toEqual([1250]);
    expect(row.history.map((h) => h.status).sort()).toEqual(['PENDING', 'RESERVED']);
    const requested = (await outbox(order.id)).filter((e) => e.topic === 'payment.requested');
    expect(requested.map((e) => e.payload)).toEqual([
      { orderId: order.id, payerId: viewer.id, amount: 2500, currency: 'EUR', paymentMethod: 'tok_visa' },
    ]);
  });

  it('walks RESERVED -> PAID -> CONFIRMED, publishing every move', async () => {
    const order = await placeOrder(deps, buyer(), request(), randomUUID());
    await onSagaAnswer(deps, reserved(order.id));
    await onSagaAnswer(deps, domainEvent('payment.succeeded', { orderId: order.id, paymentId: randomUUID() }));
    await onSagaAnswer(deps, domainEvent('inventory.committed', { orderId: order.id }));
    const events = await outbox(order.id);
    expect(events.filter((e) => e.topic === 'order.updated').map((e) => (e.payload as { status: string }).status)).toEqual([
      'PENDING',
      'RESERVED',
      'PAID',
      'CONFIRMED',
    ]);
    expect(events.filter((e) => e.topic === 'order.paid')).toHaveLength(1);
  });

  it('throws on an answer about an unknown order or with a malformed payload (the bus retries, then dead-letters)', async () => {
    await expect(onSagaAnswer(deps, domainEvent('inventory.committed', { orderId: randomUUID() }))).rejects.toThrowError(
      domainCode('NOT_FOUND'),
    );
    await expect(
      onSagaAnswer(deps, domainEvent('payment.failed', { orderId: randomUUID(), reason: 'BANK_ON_FIRE' })),
    ).rejects.toThrow();
  });
});

describe('cancelOrder', () => {
  it('cancels for the buyer, asks inventory to release, and refuses a second cancel (CONFLICT)', async () => {
    const viewer = buyer();
    const order = await placeOrder(deps, viewer, request(), randomUUID());
    const cancelled = await cancelOrder(deps, viewer, order.id);
    expect(cancelled).toMatchObject({ status: 'CANCELLED', cancelReason: 'CANCELLED_BY_CUSTOMER' });
    expect((await outbox(order.id)).filter((e) => e.topic === 'order.cancelled').map((e) => e.payload)).toEqual([
      { orderId: order.id, reason: 'CANCELLED_BY_CUSTOMER' },
    ]);
    await expect(cancelOrder(deps, viewer, order.id)).rejects.toThrowError(domainCode('CONFLICT'));
  });

  it('after payment, also asks payments for a refund', async () => {
    const viewer = buyer();
    const order = await placeOrder(deps, viewer, request(), randomUUID());
    await onSagaAnswer(deps, reserved(order.id));
    await onSagaAnswer(deps, domainEvent('payment.succeeded', { orderId: order.id, paymentId: randomUUID() }));
    await cancelOrder(deps, viewer, order.id);
    const topics = (await outbox(order.id)).map((e) => e.topic);
    expect(topics).toContain('refund.requested');
    expect(topics).toContain('order.cancelled');
  });

  it("hides someone else's order (NOT_FOUND) but lets an admin cancel it", async () => {
    const order = await placeOrder(deps, buyer(), request(), randomUUID());
    await expect(cancelOrder(deps, buyer(), order.id)).rejects.toThrowError(domainCode('NOT_FOUND'));
    await expect(cancelOrder(deps, buyer(), 'not-an-id')).rejects.toThrowError(domainCode('NOT_FOUND'));
    const admin = testViewer(randomUUID(), ['ADMIN']);
    expect((await cancelOrder(deps, admin, order.id)).status).toBe('CANCELLED');
  });
});
