import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '#kit/testing';
import { listProducts } from '../app/list-products.ts';
import type { InventoryStore } from '../ports.ts';
import { createInventoryDb, createInventoryStore, type InventoryDb } from './prisma-inventory-store.ts';

let database: TestDatabase;
let db: InventoryDb;
let store: InventoryStore;

beforeAll(async () => {
  database = await createTestDatabase('inventory');
  db = createInventoryDb(database.url, 2);
  store = createInventoryStore(db);
});
afterAll(async () => {
  await db.$disconnect();
  await database.drop();
});

const seedProduct = (sku: string, extra: { active?: boolean; createdAt?: Date } = {}) => {
  const id = randomUUID();
  return store.saveProduct({ id, sku, name: `Product ${sku}`, priceAmount: 500, priceCurrency: 'EUR', ...extra }).then(() => id);
};

describe('prisma inventory store (real PostgreSQL)', () => {
  it('pages through active products newest first with cursors, without overlap or gaps, skipping inactive ones', async () => {
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    const active: { id: string; createdAt: Date }[] = [];
    for (let i = 0; i < 23; i += 1) {
      // Groups of three share a timestamp, so the id tie-break of the cursor is exercised too.
      const createdAt = new Date(base + Math.floor(i / 3) * 1000);
      active.push({ id: await seedProduct(`PAGE-${i}`, { createdAt }), createdAt });
    }
    const inactive = [
      await seedProduct('PAGE-OFF-1', { active: false, createdAt: new Date(base + 500) }),
      await seedProduct('PAGE-OFF-2', { active: false, createdAt: new Date(base + 99_000) }),
    ];
    const expected = [...active]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((p) => p.id);

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await listProducts({ products: store }, { first: 5, after });
      pageSizes.push(page.edges.length);
      seen.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    // Other tests of this file add products too; what matters is that ours come in order, each once.
    const ours = new Set(expected);
    expect(seen.filter((id) => ours.has(id))).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).not.toContain(inactive[0]);
    expect(seen).not.toContain(inactive[1]);
    expect(pageSizes.slice(0, -1).every((n) => n === 5)).toBe(true);
  });

  it('refuses a page size above 100 and a cursor it did not issue', async () => {
    await expect(listProducts({ products: store }, { first: 101 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(listProducts({ products: store }, { after: 'not-a-cursor' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('availability is units on hand minus units reserved, summed over warehouses', async () => {
    const north = randomUUID();
    const south = randomUUID();
    await store.saveWarehouse({ id: north, code: 'NORTH', name: 'North' });
    await store.saveWarehouse({ id: south, code: 'SOUTH', name: 'South' });
    const stocked = await seedProduct('STOCKED-1');
    const unstocked = await seedProduct('UNSTOCKED-1');
    await store.setStock({ productId: stocked, warehouseId: north, onHand: 10, reserved: 3 });
    await store.setStock({ productId: stocked, warehouseId: south, onHand: 4, reserved: 4 });

    const byId = new Map((await store.byIds([stocked, unstocked])).map((p) => [p.id, p]));
    expect(byId.get(stocked)?.available).toBe(7);
    expect(byId.get(unstocked)?.available).toBe(0);

    // A stock intake changes units on hand and leaves existing reservations alone.
    await store.setStock({ productId: stocked, warehouseId: south, onHand: 9 });
    expect((await store.byIds([stocked]))[0]?.available).toBe(12);
  });

  it('saving a product again replaces its fields but keeps its id and creation time', async () => {
    const id = randomUUID();
    const createdAt = new Date('2025-06-01T12:00:00.000Z');
    await store.saveProduct({ id, sku: 'resave-1', name: 'Old', priceAmount: 100, priceCurrency: 'EUR', createdAt });
    await store.saveProduct({
      id,
      sku: 'RESAVE-1',
      name: 'New',
      description: 'Better',
      priceAmount: 250,
      priceCurrency: 'USD',
      active: false,
    });
    const [product] = await store.byIds([id]);
    expect(product).toMatchObject({
      sku: 'RESAVE-1',
      name: 'New',
      description: 'Better',
      price: { amount: 250, currency: 'USD' },
      active: false,
      createdAt,
    });
    expect(await db.product.count({ where: { sku: 'RESAVE-1' } })).toBe(1);
  });

  it('refuses to store an invalid product', async () => {
    await expect(
      store.saveProduct({ id: randomUUID(), sku: 'OK-SKU', name: 'Cheap', priceAmount: -1, priceCurrency: 'EUR' }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('an id that is not a UUID names no product instead of failing the query', async () => {
    const id = await seedProduct('REAL-1');
    expect((await store.byIds(['42', id])).map((p) => p.id)).toEqual([id]);
    expect(await store.byIds(['nope'])).toEqual([]);
  });
});
