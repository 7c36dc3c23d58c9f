/**
 * Inventory's saga handlers over a real bus and database: events in, stock changes and outbox
 * answers out, idempotent under redelivery, poison payloads dead-lettered.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInProcessEventBus, domainEvent, type DomainEvent } from '#kit/events';
import { createLogger } from '#kit/logger';
import { startOutboxRelay } from '#kit/outbox';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import { createInventoryDb, createInventoryStore, type InventoryDb } from '../adapters/prisma-inventory-store.ts';
import { createReservationStore } from '../adapters/reservation-store.ts';
import { inventoryTopics, onOrderCancelled, onOrderPaid, onOrderPlaced } from './order-events.ts';

const logger = createLogger('test', 'silent');
let database: TestDatabase;
let db: InventoryDb;
const bus = createInProcessEventBus(logger, { maxDeliveries: 2, backoffMs: 10 });
let relay: ReturnType<typeof startOutboxRelay>;
const published: DomainEvent[] = [];
const warehouseId = randomUUID();

beforeAll(async () => {
  database = await createTestDatabase('inventory');
  db = createInventoryDb(database.url, 4);
  const saga = { reservations: createReservationStore(db), logger };
  bus.subscribe('order.placed', 'inventory', (e) => onOrderPlaced(saga, e));
  bus.subscribe('order.paid', 'inventory', (e) => onOrderPaid(saga, e));
  bus.subscribe('order.cancelled', 'inventory', (e) => onOrderCancelled(saga, e));
  for (const topic of Object.values(inventoryTopics)) bus.subscribe(topic, 'test', async (e) => void published.push(e));
  relay = startOutboxRelay({ db, bus, logger, intervalMs: 20 });
  await createInventoryStore(db).saveWarehouse({ id: warehouseId, code: 'LIS', name: 'Lisbon' });
});
afterAll(async () => {
  await relay.stop();
  await bus.close();
  await db.$disconnect();
  await database.drop();
});

async function product(onHand: number, priceAmount = 2500) {
  const id = randomUUID();
  const store = createInventoryStore(db);
  await store.saveProduct({ id, sku: `P-${id.slice(0, 8).toUpperCase()}`, name: 'Lamp', priceAmount, priceCurrency: 'EUR' });
  await store.setStock({ productId: id, warehouseId, onHand });
  return id;
}

const answersFor = async (orderId: string, count = 1) => {
  for (let i = 0; i < 200; i += 1) {
    const found = published.filter((e) => (e.payload as { orderId: string }).orderId === orderId);
    if (found.length >= count) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  return published.filter((e) => (e.payload as { orderId: string }).orderId === orderId);
};

const stock = (productId: string) =>
  db.stockLevel.findFirstOrThrow({ where: { productId }, select: { onHand: true, reserved: true } });

describe('inventory in the order saga', () => {
  it('order.placed reserves and answers inventory.reserved with the prices, once even if redelivered', async () => {
    const productId = await product(5);
    const orderId = randomUUID();
    const placed = domainEvent('order.placed', { orderId, items: [{ productId, quantity: 2 }] });
    await bus.publish(placed);
    await bus.publish(placed); // redelivery
    const [answer, ...more] = await answersFor(orderId);
    await new Promise((r) => setTimeout(r, 100));
    expect(more).toEqual([]);
    expect(answer).toMatchObject({
      topic: 'inventory.reserved',
      payload: { orderId, items: [{ productId, quantity: 2, unitPriceAmount: 2500, currency: 'EUR', warehouseId }] },
    });
    expect(await stock(productId)).toEqual({ onHand: 5, reserved: 2 });
  });

  it('order.placed beyond the stock answers inventory.reservation_failed with OUT_OF_STOCK and holds nothing', async () => {
    const productId = await product(1);
    const orderId = randomUUID();
    await bus.publish(domainEvent('order.placed', { orderId, items: [{ productId, quantity: 3 }] }));
    const [answer] = await answersFor(orderId);
    expect(answer).toMatchObject({
      topic: 'inventory.reservation_failed',
      payload: { orderId, reason: 'OUT_OF_STOCK', productId },
    });
    expect(await stock(productId)).toEqual({ onHand: 1, reserved: 0 });
  });

  it('order.paid takes the units out of stock; order.cancelled gives them back', async () => {
    const productId = await product(6);
    const paid = randomUUID();
    const cancelled = randomUUID();
    await bus.publish(domainEvent('order.placed', { orderId: paid, items: [{ productId, quantity: 2 }] }));
    await bus.publish(domainEvent('order.placed', { orderId: cancelled, items: [{ productId, quantity: 3 }] }));
    await answersFor(paid);
    await answersFor(cancelled);
    await bus.publish(domainEvent('order.paid', { orderId: paid }));
    await bus.publish(domainEvent('order.cancelled', { orderId: cancelled }));
    expect((await answersFor(paid, 2)).map((e) => e.topic)).toEqual(['inventory.reserved', 'inventory.committed']);
    expect((await answersFor(cancelled, 2)).map((e) => e.topic)).toEqual(['inventory.reserved', 'inventory.released']);
    expect(await stock(productId)).toEqual({ onHand: 4, reserved: 0 });
  });

  it('order.paid for a reservation no longer held answers inventory.commit_failed; stock is untouched', async () => {
    const productId = await product(3);
    const orderId = randomUUID();
    await bus.publish(domainEvent('order.placed', { orderId, items: [{ productId, quantity: 1 }] }));
    await answersFor(orderId);
    await bus.publish(domainEvent('order.cancelled', { orderId }));
    await answersFor(orderId, 2);
    await bus.publish(domainEvent('order.paid', { orderId }));
    const answers = await answersFor(orderId, 3);
    expect(answers.map((e) => e.topic)).toEqual(['inventory.reserved', 'inventory.released', 'inventory.commit_failed']);
    expect(answers[2]?.payload).toEqual({ orderId, reason: 'RESERVATION_EXPIRED' });
    expect(await stock(productId)).toEqual({ onHand: 3, reserved: 0 });
  });

  it('a malformed order.placed is dead-lettered at once without touching stock', async () => {
    const poison = domainEvent('order.placed', { orderId: 'not-a-uuid', items: [] });
    await bus.publish(poison);
    for (let i = 0; i < 100 && (await bus.deadLetters()).length === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    const letters = await bus.deadLetters();
    expect(letters.map((l) => [l.event.id, l.group, l.reason, l.deliveries])).toEqual([[poison.id, 'inventory', 'content', 1]]);
  });
});
