import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cursor } from '#kit/pagination';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import type { OrderSeed } from '../ports.ts';
import { createOrderStore, createOrdersDb, type OrdersDb } from './order-store.ts';

let database: TestDatabase;
let db: OrdersDb;

beforeAll(async () => {
  database = await createTestDatabase('orders');
  db = createOrdersDb(database.url, 2);
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const uuid = () => crypto.randomUUID();
const seed = (overrides: Partial<OrderSeed> = {}): OrderSeed => ({
  id: uuid(),
  buyerId: uuid(),
  status: 'PENDING',
  currency: 'EUR',
  createdAt: new Date('2026-01-01T00:00:00.000Z'),
  items: [{ productId: uuid(), quantity: 1, unitPriceAmount: 100 }],
  history: [{ status: 'PENDING', at: new Date('2026-01-01T00:00:00.000Z') }],
  ...overrides,
});

describe('prisma order store (real PostgreSQL)', () => {
  it('saving an order again by id replaces its items and history and recomputes the total', async () => {
    const store = createOrderStore(db);
    const first = seed({
      items: [
        { productId: uuid(), quantity: 2, unitPriceAmount: 500 },
        { productId: uuid(), quantity: 1, unitPriceAmount: 1 },
      ],
    });
    await store.saveOrder(first);
    const productId = uuid();
    await store.saveOrder({
      ...first,
      status: 'CANCELLED',
      cancelReason: 'OUT_OF_STOCK',
      items: [{ productId, quantity: 3, unitPriceAmount: 250 }],
      history: [
        { status: 'PENDING', at: new Date('2026-01-01T00:00:00.000Z') },
        { status: 'CANCELLED', reason: 'OUT_OF_STOCK', at: new Date('2026-01-01T00:01:00.000Z') },
      ],
    });

    const [order] = await store.byIds([first.id]);
    expect(order).toMatchObject({ status: 'CANCELLED', cancelReason: 'OUT_OF_STOCK', total: { amount: 750, currency: 'EUR' } });
    expect(await store.itemsOf([first.id])).toEqual([
      { orderId: first.id, position: 0, productId, quantity: 3, unitPrice: { amount: 250, currency: 'EUR' } },
    ]);
    expect((await store.historyOf([first.id])).map((c) => [c.status, c.reason])).toEqual([
      ['PENDING', null],
      ['CANCELLED', 'OUT_OF_STOCK'],
    ]);
    expect(await db.order.count({ where: { id: first.id } })).toBe(1);
  });

  it('loads the items of several orders at once, each in position order and priced in its order currency', async () => {
    const store = createOrderStore(db);
    const products = [uuid(), uuid(), uuid()];
    const eur = seed({ items: products.map((productId, i) => ({ productId, quantity: i + 1, unitPriceAmount: 10 })) });
    const usd = seed({ currency: 'USD', items: [{ productId: uuid(), quantity: 1, unitPriceAmount: 99 }] });
    await store.saveOrder(eur);
    await store.saveOrder(usd);

    const items = await store.itemsOf([eur.id, usd.id, uuid()]);
    expect(items.filter((i) => i.orderId === eur.id).map((i) => [i.position, i.productId])).toEqual(
      products.map((p, i) => [i, p]),
    );
    expect(items.find((i) => i.orderId === usd.id)?.unitPrice).toEqual({ amount: 99, currency: 'USD' });
    expect(items).toHaveLength(4);
  });

  it("pages through a buyer's orders newest first without gaps or repeats, even when orders share a timestamp", async () => {
    const store = createOrderStore(db);
    const buyerId = uuid();
    const base = Date.parse('2026-03-01T00:00:00.000Z');
    // Three orders per second: the id breaks the ties.
    const seeds = Array.from({ length: 23 }, (_, i) => seed({ buyerId, createdAt: new Date(base + Math.floor(i / 3) * 1000) }));
    for (const s of seeds) await store.saveOrder(s);
    await store.saveOrder(seed()); // someone else's order never shows up

    const seen: string[] = [];
    let after: Cursor | null = null;
    for (let page = 0; page < 10; page += 1) {
      const rows = await store.byBuyer(buyerId, 5, after);
      seen.push(...rows.map((r) => r.id));
      if (rows.length < 5) break;
      const last = rows.at(-1)!;
      after = { createdAt: last.createdAt, id: last.id };
    }
    const expected = [...seeds]
      .sort((a, b) => b.createdAt!.getTime() - a.createdAt!.getTime() || (a.id < b.id ? 1 : -1))
      .map((s) => s.id);
    expect(seen).toEqual(expected);
  });
});
