/**
 * The watchdog on the real orders database: orders left in an unfinished status past the deadline
 * are cancelled TIMED_OUT, their stock released and any charge refunded through the outbox; orders
 * that moved recently, or are finished, are left alone.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgPool, sqlClient } from '#kit/database';
import { domainEvent } from '#kit/events';
import { createLogger } from '#kit/logger';
import { createTestDatabase, testViewer, type TestDatabase } from '#kit/testing';
import { createOrderStore, createOrdersDb, type OrdersDb } from '../adapters/order-store.ts';
import { onAddressesChanged } from './address-book.ts';
import { onSagaAnswer } from './order-saga.ts';
import { cancelStuckOrders } from './order-watchdog.ts';
import { placeOrder } from './place-order.ts';

const logger = createLogger('test', 'silent');
let database: TestDatabase;
let db: OrdersDb;
let deps: { orders: ReturnType<typeof createOrderStore>; logger: typeof logger };

beforeAll(async () => {
  database = await createTestDatabase('orders');
  const pool = pgPool(database.url, 4);
  db = createOrdersDb(pool);
  deps = { orders: createOrderStore(db, { sql: sqlClient(pool) }), logger };
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const product = randomUUID();
const place = () =>
  placeOrder(
    deps,
    testViewer(randomUUID()),
    { items: [{ productId: product, quantity: 1 }], paymentMethod: 'tok_visa' },
    randomUUID(),
  );
const answer = (topic: string, orderId: string, payload: object = {}) =>
  onSagaAnswer(deps, domainEvent(topic, { orderId, ...payload }));
const reservedLines = { items: [{ productId: product, quantity: 1, unitPriceAmount: 900, currency: 'EUR' }] };
const commandsOf = async (orderId: string) =>
  (await db.outboxEvent.findMany({ where: { payload: { path: ['orderId'], equals: orderId } } }))
    .map((e) => e.topic)
    .filter((t) => t !== 'order.updated' && t !== 'order.placed' && t !== 'payment.requested' && t !== 'order.paid')
    .sort();

describe('the order watchdog', () => {
  it('cancels orders stuck in PENDING, RESERVED and PAID (TIMED_OUT): stock released, what was charged refunded', async () => {
    const pending = await place();
    const reserved = await place();
    await answer('inventory.reserved', reserved.id, reservedLines);
    const paid = await place();
    await answer('inventory.reserved', paid.id, reservedLines);
    await answer('payment.succeeded', paid.id);
    const confirmed = await place();
    await answer('inventory.reserved', confirmed.id, reservedLines);
    await answer('payment.succeeded', confirmed.id);
    await answer('inventory.committed', confirmed.id);

    const later = new Date(Date.now() + 31 * 60_000); // past the default 30-minute deadline
    const cancelled = await cancelStuckOrders({ ...deps, now: () => later });
    expect(cancelled.sort()).toEqual([pending.id, reserved.id, paid.id].sort());
    const rows = await db.order.findMany({ where: { id: { in: [pending.id, reserved.id, paid.id, confirmed.id] } } });
    expect(Object.fromEntries(rows.map((o) => [o.id, `${o.status}(${o.cancelReason ?? ''})`]))).toEqual({
      [pending.id]: 'CANCELLED(TIMED_OUT)',
      [reserved.id]: 'CANCELLED(TIMED_OUT)',
      [paid.id]: 'CANCELLED(TIMED_OUT)',
      [confirmed.id]: 'CONFIRMED()',
    });
    expect(await commandsOf(pending.id)).toEqual(['order.cancelled']);
    expect(await commandsOf(reserved.id)).toEqual(['order.cancelled', 'refund.requested']);
    expect(await commandsOf(paid.id)).toEqual(['order.cancelled', 'refund.requested']);
    expect(await cancelStuckOrders({ ...deps, now: () => later })).toEqual([]); // once
  });

  it('leaves alone an order that moved within the deadline', async () => {
    const order = await place();
    expect(await cancelStuckOrders({ ...deps, now: () => new Date(Date.now() + 29 * 60_000) })).not.toContain(order.id);
    expect((await db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe('PENDING');
  });
});

describe("orders' copy of the address books", () => {
  it('keeps the newest book announced: a late or repeated event changes nothing', async () => {
    const userId = randomUUID();
    const [home, work] = [randomUUID(), randomUUID()];
    const changed = (version: number, addressIds: string[]) =>
      onAddressesChanged(deps, domainEvent('user.addresses_changed', { userId, addressIds, version }));
    await changed(2, [home, work]);
    await changed(1, [home]); // older, arriving late
    expect(await deps.orders.isAddressOf(userId, work)).toBe(true);
    await changed(3, [work]);
    await changed(3, [home]); // same version again: already applied
    expect([await deps.orders.isAddressOf(userId, home), await deps.orders.isAddressOf(userId, work)]).toEqual([false, true]);
    expect(await deps.orders.isAddressOf(randomUUID(), work)).toBe(false);
  });
});
