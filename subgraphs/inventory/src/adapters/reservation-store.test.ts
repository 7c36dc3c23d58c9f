import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import { createInventoryDb, createInventoryStore, type InventoryDb } from './prisma-inventory-store.ts';
import type { ReservationStore } from '../ports.ts';
import { createReservationStore } from './reservation-store.ts';

let database: TestDatabase;
let db: InventoryDb;
let reservations: ReservationStore;
const lisbon = randomUUID();
const berlin = randomUUID();
const inFifteenMinutes = () => new Date(Date.now() + 15 * 60_000);

beforeAll(async () => {
  database = await createTestDatabase('inventory');
  // A real pool, so concurrent reservations really run concurrently in PostgreSQL.
  db = createInventoryDb(database.url, 12);
  reservations = createReservationStore(db);
  const store = createInventoryStore(db);
  await store.saveWarehouse({ id: lisbon, code: 'LIS', name: 'Lisbon' });
  await store.saveWarehouse({ id: berlin, code: 'BER', name: 'Berlin' });
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

async function product(stock: [number, number], priceAmount = 1000) {
  const id = randomUUID();
  const store = createInventoryStore(db);
  await store.saveProduct({ id, sku: `SKU-${id.slice(0, 8).toUpperCase()}`, name: 'Thing', priceAmount, priceCurrency: 'EUR' });
  await store.setStock({ productId: id, warehouseId: lisbon, onHand: stock[0] });
  await store.setStock({ productId: id, warehouseId: berlin, onHand: stock[1] });
  return id;
}

const levels = (productId: string) =>
  db.stockLevel.findMany({ where: { productId }, select: { onHand: true, reserved: true } }).then((rows) => ({
    onHand: rows.reduce((s, r) => s + r.onHand, 0),
    reserved: rows.reduce((s, r) => s + r.reserved, 0),
  }));

describe('reservations (real PostgreSQL, concurrent)', () => {
  it('60 concurrent one-unit orders for 10 units over two warehouses: exactly 10 held, 50 out of stock, never oversold', async () => {
    const productId = await product([6, 4]);
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, () => reservations.reserve(randomUUID(), [{ productId, quantity: 1 }], inFifteenMinutes())),
    );
    expect(outcomes.filter((o) => o.status === 'HELD')).toHaveLength(10);
    expect(outcomes.filter((o) => o.status === 'OUT_OF_STOCK')).toHaveLength(50);
    expect(await levels(productId)).toEqual({ onHand: 10, reserved: 10 });
  });

  it('an order is all or nothing: one short line holds nothing of the others', async () => {
    const plenty = await product([5, 5]);
    const scarce = await product([1, 0]);
    const outcome = await reservations.reserve(
      randomUUID(),
      [
        { productId: plenty, quantity: 3 },
        { productId: scarce, quantity: 2 },
      ],
      inFifteenMinutes(),
    );
    expect(outcome).toEqual({ status: 'OUT_OF_STOCK', productId: scarce });
    expect(await levels(plenty)).toEqual({ onHand: 10, reserved: 0 });
  });

  it('the same order reserved twice (a redelivered request) holds stock once and answers the same', async () => {
    const productId = await product([3, 0], 1490);
    const orderId = randomUUID();
    const [first, second] = await Promise.all([
      reservations.reserve(orderId, [{ productId, quantity: 2 }], inFifteenMinutes()),
      reservations.reserve(orderId, [{ productId, quantity: 2 }], inFifteenMinutes()),
    ]);
    expect(first).toEqual(second);
    expect(first).toMatchObject({
      status: 'HELD',
      items: [{ productId, quantity: 2, unitPriceAmount: 1490, currency: 'EUR', warehouseId: lisbon }],
    });
    expect(await levels(productId)).toEqual({ onHand: 3, reserved: 2 });
  });

  it('commit takes the units out of stock; release gives them back; both are idempotent', async () => {
    const productId = await product([4, 0]);
    const paid = randomUUID();
    const cancelled = randomUUID();
    await reservations.reserve(paid, [{ productId, quantity: 2 }], inFifteenMinutes());
    await reservations.reserve(cancelled, [{ productId, quantity: 1 }], inFifteenMinutes());
    expect((await reservations.commit(paid)).changed).toBe(true);
    expect((await reservations.commit(paid)).changed).toBe(false);
    expect((await reservations.release(cancelled)).changed).toBe(true);
    expect((await reservations.release(cancelled)).changed).toBe(false);
    expect(await levels(productId)).toEqual({ onHand: 2, reserved: 0 });
    // An order cancelled after its stock was committed: the units come back on hand, once.
    expect((await reservations.release(paid)).changed).toBe(true);
    expect((await reservations.release(paid)).changed).toBe(false);
    expect((await reservations.commit(paid)).changed).toBe(false);
    expect(await levels(productId)).toEqual({ onHand: 4, reserved: 0 });
  });

  it('an event already handled changes nothing when delivered again', async () => {
    const productId = await product([4, 0]);
    const orderId = randomUUID();
    const placed = { id: randomUUID(), topic: 'order.placed', payload: {}, occurredAt: new Date().toISOString() };
    await reservations.reserve(orderId, [{ productId, quantity: 1 }], inFifteenMinutes(), { handled: placed });
    const cancelled = { ...placed, id: randomUUID(), topic: 'order.cancelled' };
    expect((await reservations.release(orderId, { handled: cancelled })).changed).toBe(true);
    expect(await levels(productId)).toEqual({ onHand: 4, reserved: 0 });
    // The same reservation event again (a consumer died before acknowledging): no second hold.
    expect(
      (await reservations.reserve(orderId, [{ productId, quantity: 1 }], inFifteenMinutes(), { handled: placed })).status,
    ).toBe('RELEASED');
    expect((await reservations.release(orderId, { handled: cancelled })).changed).toBe(false);
    expect(await db.processedEvent.count({ where: { id: { in: [placed.id, cancelled.id] } } })).toBe(2);
  });

  it('an out-of-stock answer is remembered: a retry after stock arrives does not flip it', async () => {
    const productId = await product([0, 0]);
    const orderId = randomUUID();
    expect((await reservations.reserve(orderId, [{ productId, quantity: 1 }], inFifteenMinutes())).status).toBe('OUT_OF_STOCK');
    await createInventoryStore(db).setStock({ productId, warehouseId: lisbon, onHand: 5 });
    expect((await reservations.reserve(orderId, [{ productId, quantity: 1 }], inFifteenMinutes())).status).toBe('RELEASED');
    expect(await levels(productId)).toEqual({ onHand: 5, reserved: 0 });
  });

  it('expired reservations are released by the sweeper with an outbox event each', async () => {
    const productId = await product([2, 0]);
    const orderId = randomUUID();
    await reservations.reserve(orderId, [{ productId, quantity: 2 }], new Date(Date.now() - 1000));
    const expired = await reservations.expireDue(new Date(), 100, (id) => ({
      id: randomUUID(),
      topic: 'reservation.expired',
      payload: { orderId: id },
    }));
    expect(expired).toContain(orderId);
    expect(await levels(productId)).toEqual({ onHand: 2, reserved: 0 });
    expect((await reservations.current(orderId))?.status).toBe('EXPIRED');
    const events = await db.outboxEvent.findMany({ where: { topic: 'reservation.expired' } });
    expect(events.map((e) => (e.payload as { orderId: string }).orderId)).toContain(orderId);
  });

  it('stock adjustments are audited and cannot go below what is reserved', async () => {
    const productId = await product([3, 0]);
    await reservations.reserve(randomUUID(), [{ productId, quantity: 2 }], inFifteenMinutes());
    const actorId = randomUUID();
    await expect(
      reservations.adjustStock({ productId, warehouseId: lisbon, delta: -2, reason: 'damaged', actorId }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(
      await reservations.adjustStock({ productId, warehouseId: lisbon, delta: -1, reason: 'damaged in transit', actorId }),
    ).toEqual({ onHand: 2, reserved: 2 });
    const audit = await db.stockAdjustment.findMany({ where: { productId } });
    expect(audit).toMatchObject([{ delta: -1, reason: 'damaged in transit', actorId, warehouseId: lisbon }]);
  });

  it('the first intake of a product into a warehouse creates its stock level; removing stock that is not there is refused', async () => {
    const productId = await product([1, 0]);
    const other = randomUUID();
    await createInventoryStore(db).saveWarehouse({ id: other, code: `W-${other.slice(0, 6)}`, name: 'Porto' });
    const actorId = randomUUID();
    await expect(
      reservations.adjustStock({ productId, warehouseId: other, delta: -1, reason: 'count', actorId }),
    ).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    expect(await reservations.adjustStock({ productId, warehouseId: other, delta: 7, reason: 'intake', actorId })).toEqual({
      onHand: 7,
      reserved: 0,
    });
    expect(await reservations.adjustStock({ productId, warehouseId: other, delta: 3, reason: 'intake', actorId })).toEqual({
      onHand: 10,
      reserved: 0,
    });
    await expect(
      reservations.adjustStock({ productId, warehouseId: randomUUID(), delta: 1, reason: 'intake', actorId }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      reservations.adjustStock({ productId, warehouseId: 'nowhere', delta: 1, reason: 'intake', actorId }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
