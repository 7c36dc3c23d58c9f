import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '#kit/logger';
import { readSchemaFile } from '#kit/subgraph-server';
import { createTestDatabase, inProcessSubgraph, testViewer, type TestDatabase } from '#kit/testing';
import { createReservationStore } from '../adapters/reservation-store.ts';
import { createInventoryDb, createInventoryStore, type InventoryDb } from '../adapters/prisma-inventory-store.ts';
import type { InventoryStore } from '../ports.ts';
import { createLoaders, type Context } from './context.ts';
import { createResolvers } from './resolvers.ts';

let database: TestDatabase;
let db: InventoryDb;
let store: InventoryStore;
let subgraph: Awaited<ReturnType<typeof inProcessSubgraph>>;
let statements: string[] = [];
const logger = createLogger('test', 'silent');

beforeAll(async () => {
  database = await createTestDatabase('inventory');
  db = createInventoryDb(database.url, 2, true);
  db.$on('query', (event) => statements.push(event.query));
  store = createInventoryStore(db);
  // The schema and error policy of the real server, run in-process so the test sees the SQL it costs.
  subgraph = await inProcessSubgraph<Context>({
    typeDefs: readSchemaFile(import.meta.url, 2),
    resolvers: createResolvers({ products: store, reservations: createReservationStore(db) }),
    contextFor: (viewer) => ({ viewer, correlationId: 'test', logger, loaders: createLoaders(store) }),
  });
});
afterAll(async () => {
  await subgraph.stop();
  await db.$disconnect();
  await database.drop();
});

const entities = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Product { id sku price { amount currency } available } }
}`;

describe('inventory resolvers over real PostgreSQL', () => {
  it('resolving 50 product references costs one batched read (products + their stock), the same as for one', async () => {
    const warehouse = randomUUID();
    await store.saveWarehouse({ id: warehouse, code: 'MAIN', name: 'Main' });
    const ids: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      const id = randomUUID();
      await store.saveProduct({ id, sku: `BATCH-${i}`, name: `Batch ${i}`, priceAmount: 100 + i, priceCurrency: 'EUR' });
      await store.setStock({ productId: id, warehouseId: warehouse, onHand: i + 2, reserved: 2 });
      ids.push(id);
    }

    statements = [];
    const one = await subgraph.run(null, entities, { representations: [{ __typename: 'Product', id: ids[0] }] });
    expect(one.errors).toBeUndefined();
    const statementsForOne = statements.length;

    statements = [];
    const many = await subgraph.run(null, entities, { representations: ids.map((id) => ({ __typename: 'Product', id })) });
    expect(many.errors).toBeUndefined();
    const products = many.data?._entities as { id: string; price: { amount: number }; available: number }[];
    expect(products.map((p) => p.id)).toEqual(ids);
    expect(products[49]).toMatchObject({ price: { amount: 149 }, available: 49 });
    // Prisma reads an `include` as a second statement: the products, then the stock of all of them.
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/FROM "public"\."products"/);
    expect(statements[1]).toMatch(/FROM "public"\."stock_levels"/);
    expect(statementsForOne).toBe(2);
  });

  it('a reference to an unknown product resolves to null', async () => {
    const result = await subgraph.run(null, entities, { representations: [{ __typename: 'Product', id: randomUUID() }] });
    expect(result.errors).toBeUndefined();
    expect(result.data?._entities).toEqual([null]);
  });

  it('an inactive product is readable by id but not listed', async () => {
    const id = randomUUID();
    await store.saveProduct({ id, sku: 'RETIRED-1', name: 'Retired', priceAmount: 100, priceCurrency: 'EUR', active: false });
    const byId = await subgraph.run(null, 'query ($id: ID!) { product(id: $id) { id active } }', { id });
    expect(byId.data?.product).toEqual({ id, active: false });
    const listed = await subgraph.run(null, '{ products(first: 100) { edges { node { id } } } }');
    const listedIds = (listed.data?.products as { edges: { node: { id: string } }[] }).edges.map((e) => e.node.id);
    expect(listedIds.length).toBeGreaterThan(0);
    expect(listedIds).not.toContain(id);
  });

  it('a bad page size is a BAD_USER_INPUT error', async () => {
    const result = await subgraph.run(null, '{ products(first: 0) { edges { cursor } } }');
    expect(result.errors?.[0]).toMatchObject({ message: expect.stringMatching(/first/), extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('catalogue administration', () => {
  const admin = testViewer(randomUUID(), ['CUSTOMER', 'ADMIN']);
  const customer = testViewer(randomUUID());
  const create = `mutation ($input: ProductInput!) { createProduct(input: $input) { id sku name price { amount currency } available } }`;
  const input = { sku: 'cup-900', name: 'Cup', price: { amount: 990, currency: 'EUR' } };

  it('an admin creates a product (sku normalised); a customer or anonymous caller cannot', async () => {
    const created = await subgraph.run<{ createProduct: { sku: string; available: number } }>(admin, create, { input });
    expect(created.errors).toBeUndefined();
    expect(created.data?.createProduct).toMatchObject({
      sku: 'CUP-900',
      name: 'Cup',
      price: { amount: 990, currency: 'EUR' },
      available: 0,
    });
    expect((await subgraph.run(customer, create, { input: { ...input, sku: 'CUP-901' } })).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((await subgraph.run(null, create, { input: { ...input, sku: 'CUP-902' } })).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('refuses a duplicate sku (CONFLICT), a negative or fractional price and a bad currency (BAD_USER_INPUT)', async () => {
    const codeOf = async (variables: Record<string, unknown>) =>
      (await subgraph.run(admin, create, variables)).errors?.[0]?.extensions?.code;
    expect(await codeOf({ input })).toBe('CONFLICT');
    expect(await codeOf({ input: { ...input, sku: 'CUP-903', price: { amount: -1, currency: 'EUR' } } })).toBe('BAD_USER_INPUT');
    expect(await codeOf({ input: { ...input, sku: 'CUP-904', price: { amount: 9.5, currency: 'EUR' } } })).toBe('BAD_USER_INPUT');
    expect(await codeOf({ input: { ...input, sku: 'CUP-905', price: { amount: 100, currency: 'euro' } } })).toBe(
      'BAD_USER_INPUT',
    );
  });

  it("lists the warehouses by code for an admin (the stock form's choices); not for a customer", async () => {
    await store.saveWarehouse({ id: randomUUID(), code: 'ZRH', name: 'Zurich' });
    await store.saveWarehouse({ id: randomUUID(), code: 'AMS', name: 'Amsterdam' });
    const list = '{ warehouses { code name } }';
    const listed = await subgraph.run<{ warehouses: { code: string; name: string }[] }>(admin, list);
    const codes = listed.data!.warehouses.map((w) => w.code);
    expect(codes).toEqual([...codes].sort());
    expect(listed.data!.warehouses).toEqual(
      expect.arrayContaining([
        { code: 'AMS', name: 'Amsterdam' },
        { code: 'ZRH', name: 'Zurich' },
      ]),
    );
    expect((await subgraph.run(customer, list)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('stock adjustments change on-hand units, are audited with who and why, and never go below reserved', async () => {
    const created = await subgraph.run<{ createProduct: { id: string } }>(admin, create, { input: { ...input, sku: 'CUP-910' } });
    const productId = created.data!.createProduct.id;
    const warehouseId = randomUUID();
    await store.saveWarehouse({ id: warehouseId, code: 'OPO', name: 'Porto' });
    await store.setStock({ productId, warehouseId, onHand: 0 });
    const adjust = `mutation ($input: StockAdjustmentInput!) { adjustStock(input: $input) { onHand reserved product { available } } }`;
    const added = await subgraph.run(admin, adjust, {
      input: { productId, warehouseId, delta: 12, reason: 'intake from supplier' },
    });
    expect(added.data).toEqual({ adjustStock: { onHand: 12, reserved: 0, product: { available: 12 } } });
    const tooMany = await subgraph.run(admin, adjust, { input: { productId, warehouseId, delta: -13, reason: 'count' } });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const noReason = await subgraph.run(admin, adjust, { input: { productId, warehouseId, delta: -1, reason: '  ' } });
    expect(noReason.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(
      (await subgraph.run(customer, adjust, { input: { productId, warehouseId, delta: 5, reason: 'x' } })).errors?.[0]?.extensions
        ?.code,
    ).toBe('FORBIDDEN');
    const audit = await db.stockAdjustment.findMany({ where: { productId } });
    expect(audit).toMatchObject([{ delta: 12, reason: 'intake from supplier', actorId: admin.id }]);
  });
});
